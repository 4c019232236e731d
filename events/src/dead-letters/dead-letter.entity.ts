import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

export type DeadLetterResolution = 'replayed' | 'purged';

/**
 * A message the dead-letter tool moved off a dead-letter queue, kept whole (body and headers) so
 * it can be shown and replayed by id, and kept after it is resolved, for audit.
 */
export const DeadLetter = defineEntity({
  name: 'DeadLetter',
  tableName: 'dead_letters',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    /** Hash of queue, message id, headers and body: a message moved twice is stored once. */
    fingerprint: p.string().columnType('char(64)').unique(),
    /** The dead-letter queue it came from (logical name, without QUEUE_PREFIX). */
    queue: p.string(),
    messageId: p.string().nullable(),
    /** From the envelope when the body has one; a malformed message may have neither. */
    eventId: p.string().nullable(),
    eventType: p.string().nullable(),
    /** The envelope's timestamp: how old the message is, for the inbox's dedup window. */
    messageTimestamp: p.datetime().columnType('timestamptz').nullable(),
    originQueue: p.string().nullable(),
    originExchange: p.string().nullable(),
    originRoutingKey: p.string().nullable(),
    reason: p.text().nullable(),
    attempts: p.integer().nullable(),
    headers: p.json<Record<string, unknown>>().columnType('jsonb'),
    body: p.blob(),
    deadLetteredAt: p.datetime().columnType('timestamptz').nullable(),
    movedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    resolution: p.string().$type<DeadLetterResolution>().nullable(),
    resolvedAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type DeadLetter = InferEntity<typeof DeadLetter>;
