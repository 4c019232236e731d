import { defineEntity, p } from '@mikro-orm/core';

/** The inbox: one row per message a consumer has applied, written with the handler's effects. */
export const ProcessedEvent = defineEntity({
  name: 'ProcessedEvent',
  tableName: 'processed_events',
  properties: {
    consumer: p.string().primary(),
    eventId: p.uuid().primary(),
    processedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});
