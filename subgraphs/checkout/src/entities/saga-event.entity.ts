import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

/** The saga's log: every event it received, and what it did with it (applied, or why ignored). */
export const SagaEvent = defineEntity({
  name: 'SagaEvent',
  tableName: 'saga_events',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    checkoutId: p.uuid(),
    eventType: p.string(),
    eventId: p.uuid().nullable(),
    outcome: p.text(),
    at: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});

export type SagaEvent = InferEntity<typeof SagaEvent>;
