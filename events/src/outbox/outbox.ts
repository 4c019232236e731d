import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type DataOf, type MessageContract, exchangeOf } from '../contract';
import { type Envelope, describeIssues } from '../envelope';
import { activeTraceHeaders } from '../tracing';
import { OutboxMessage } from './outbox-message.entity';

export interface PublishOptions {
  /** The aggregate's version after this change: consumers ignore a message older than one applied. */
  sequence: number;
  /** Links every message of one flow (a checkout's messages carry the checkout id). */
  correlationId?: string;
  /** The deadline of a forward command; required for those, refused for any other message. */
  notAfter?: Date;
}

/**
 * Publishing from a domain operation: one call inside its transaction. The message is written to
 * the service's outbox table by the same flush as the change, and the relay publishes it after
 * the commit, so a crash in between loses nothing.
 */
export class Outbox {
  constructor(
    private readonly source: string,
    /** Used when a message names no correlation id: the id of the request being served. */
    private readonly defaultCorrelationId?: string,
  ) {}

  /** This outbox for one request: what it publishes carries the request's correlation id, unless told another. */
  withCorrelationId(correlationId: string): Outbox {
    return new Outbox(this.source, correlationId);
  }

  publish<C extends MessageContract>(em: EntityManager, contract: C, data: DataOf<C>, options: PublishOptions): Envelope<DataOf<C>> {
    const envelope = this.envelope(contract, data, options);
    em.persist(
      em.create(OutboxMessage, {
        messageId: envelope.eventId,
        messageType: contract.name,
        exchange: exchangeOf(contract),
        routingKey: contract.name,
        mandatory: contract.kind === 'command',
        aggregateKey: `${exchangeOf(contract)}:${contract.aggregateOf(data)}`,
        payload: envelope as unknown as Record<string, unknown>,
        // The trace context of the request or message being handled travels with the message.
        headers: activeTraceHeaders(),
      }),
    );
    return envelope;
  }

  envelope<C extends MessageContract>(contract: C, data: DataOf<C>, options: PublishOptions): Envelope<DataOf<C>> {
    const parsed = contract.data.safeParse(data);
    if (!parsed.success) throw new Error(`invalid ${contract.name} ${contract.version}: ${describeIssues(parsed.error, 'data')}`);
    const expires = contract.kind === 'command' && contract.expires;
    if (expires && !options.notAfter) throw new Error(`${contract.name} is a forward command: it needs a deadline (notAfter)`);
    if (!expires && options.notAfter) throw new Error(`${contract.name} never expires: it takes no deadline`);
    const eventId = randomUUID();
    return {
      eventId,
      eventType: contract.name,
      timestamp: new Date().toISOString(),
      correlationId: options.correlationId ?? this.defaultCorrelationId ?? eventId,
      source: this.source,
      version: contract.version,
      sequence: options.sequence,
      ...(options.notAfter ? { notAfter: options.notAfter.toISOString() } : {}),
      data: parsed.data as DataOf<C>,
    };
  }
}

/** How many committed messages wait to be published, and how long the oldest has waited. */
export async function readOutboxBacklog(orm: MikroORM): Promise<{ backlog: number; oldestUnsentAgeSeconds: number }> {
  const [row]: { backlog: string; age: number | null }[] = await orm.em
    .getConnection()
    .execute(`select count(*) as backlog, extract(epoch from now() - min(created_at))::float8 as age from outbox where sent_at is null`);
  return { backlog: Number(row.backlog), oldestUnsentAgeSeconds: Math.max(0, row.age ?? 0) };
}
