import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { type DataOf, type MessageContract, exchangeOf } from '../contract';
import { type Envelope, describeIssues } from '../envelope';
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
  constructor(private readonly source: string) {}

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
        headers: {},
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
      correlationId: options.correlationId ?? eventId,
      source: this.source,
      version: contract.version,
      sequence: options.sequence,
      ...(options.notAfter ? { notAfter: options.notAfter.toISOString() } : {}),
      data: parsed.data as DataOf<C>,
    };
  }
}
