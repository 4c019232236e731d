import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

/** A LowStockAlert, one row per event: a SKU may run low again after it was restocked. */
export const LowStock = defineEntity({
  name: 'LowStock',
  tableName: 'low_stock_alerts',
  properties: {
    eventId: p.uuid().primary(),
    sku: p.string(),
    currentQuantity: p.integer(),
    threshold: p.integer(),
    at: p.datetime().columnType('timestamptz'),
  },
});

export type LowStock = InferEntity<typeof LowStock>;
