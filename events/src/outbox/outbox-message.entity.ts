import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

/**
 * A message waiting to be published, written in the same transaction as the change it announces.
 * Rows are inserted by `outboxWriter` as the unit of work flushes, and read and marked sent by the
 * relay, both in plain SQL; this is the table's mapping.
 */
export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    messageId: p.uuid().unique(),
    messageType: p.string(),
    exchange: p.string(),
    routingKey: p.string(),
    /** Commands: reaching no queue is an error, retried and reported. */
    mandatory: p.boolean(),
    aggregateKey: p.string(),
    payload: p.json<Record<string, unknown>>().columnType('jsonb'),
    headers: p.json<Record<string, string>>().columnType('jsonb'),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    availableAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    sentAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type OutboxMessage = InferEntity<typeof OutboxMessage>;
