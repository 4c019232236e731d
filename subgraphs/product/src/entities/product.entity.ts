import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, updatedAtColumn } from '@shop/platform';

export const Product = defineEntity({
  name: 'Product',
  tableName: 'products',
  properties: {
    sku: p.string().primary(),
    name: p.string(),
    description: p.text().nullable(),
    /** Exact decimal, read and written as a string. */
    price: p.decimal('string').columnType('numeric(18,4)'),
    currency: p.string().columnType('char(3)'),
    active: p.boolean(),
    /** Grows with every change: the `sequence` of the product's events. */
    version: p.integer(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type Product = InferEntity<typeof Product>;
