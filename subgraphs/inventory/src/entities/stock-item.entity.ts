import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, updatedAtColumn } from '@shop/platform';

/** The units of one SKU: what can be sold, what checkouts hold, what has been sold. */
export const StockItem = defineEntity({
  name: 'StockItem',
  tableName: 'stock_items',
  properties: {
    sku: p.string().primary(),
    available: p.integer(),
    reserved: p.integer(),
    sold: p.integer(),
    lowStockThreshold: p.integer(),
    /** Grows with every change: the `sequence` of the SKU's events (StockLevelChanged, LowStockAlert). */
    version: p.integer(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type StockItem = InferEntity<typeof StockItem>;
