import { randomUUID } from 'node:crypto';
import type { EntityManager, EventSubscriber, FlushEventArgs } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type DataOf, type MessageContract, exchangeOf } from '../contract';
import { type Envelope, describeIssues } from '../envelope';
import { PreparedStatement } from '../prepared-statement';
import { activeTraceHeaders } from '../tracing';

export interface PublishOptions {
  /** The aggregate's version after this change: consumers ignore a message older than one applied. */
  sequence: number;
  /** Links every message of one flow (a checkout's messages carry the checkout id). */
  correlationId?: string;
  /** The deadline of a forward command; required for those, refused for any other message. */
  notAfter?: Date;
}

/** A row of the outbox (OutboxMessage), as the writer inserts it; the table's defaults fill in the rest. */
interface PendingMessage {
  messageId: string;
  messageType: string;
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  aggregateKey: string;
  payload: Envelope;
  headers: Record<string, string>;
}

/** What was published on each entity manager and is not flushed yet. */
const pending = new WeakMap<EntityManager, PendingMessage[]>();

// All the messages of one flush in one statement, in the order they were published (the relay
// sends an aggregate's messages in id order).
const INSERT_PENDING = new PreparedStatement(
  'outbox_insert_pending',
  `
  insert into outbox (message_id, message_type, exchange, routing_key, mandatory, aggregate_key, payload, headers)
  select (m->>'messageId')::uuid, m->>'messageType', m->>'exchange', m->>'routingKey', (m->>'mandatory')::boolean,
         m->>'aggregateKey', m->'payload', m->'headers'
  from jsonb_array_elements(?::jsonb) with ordinality as published(m, position)
  order by position`,
);

/**
 * Writes the messages published on an entity manager when it flushes, in its transaction, before
 * the entities' changes: the message commits with the change it announces, or neither does. One
 * insert for all of them, instead of an entity per message through the unit of work (which cost
 * several times the statement's own CPU). Every ORM that publishes lists it among its subscribers
 * (`messagingSubscribers`).
 */
export const outboxWriter: EventSubscriber = {
  async beforeFlush({ em }: FlushEventArgs): Promise<void> {
    const messages = pending.get(em);
    if (!messages) return;
    pending.delete(em);
    await INSERT_PENDING.run(em, [JSON.stringify(messages)]);
  },
};

/**
 * Publishing from a domain operation: one call inside its transaction. The message is written to
 * the service's outbox table by the flush that writes the change, and the relay publishes it after
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
    // Outside a transaction the flush could write the change in one and this message in another.
    if (!em.isInTransaction()) {
      throw new Error(`${contract.name} must be published inside a transaction (em.transactional, or a message handler's em)`);
    }
    if (!em.getEventManager().getSubscribers().has(outboxWriter)) {
      throw new Error(`${contract.name} cannot be published: this ORM does not list messagingSubscribers, so nothing would write it`);
    }
    const envelope = this.envelope(contract, data, options);
    const messages = pending.get(em) ?? [];
    messages.push({
      messageId: envelope.eventId,
      messageType: contract.name,
      exchange: exchangeOf(contract),
      routingKey: contract.name,
      mandatory: contract.kind === 'command',
      aggregateKey: `${exchangeOf(contract)}:${contract.aggregateOf(data)}`,
      payload: envelope,
      // The trace context of the request or message being handled travels with the message.
      headers: activeTraceHeaders(),
    });
    pending.set(em, messages);
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
