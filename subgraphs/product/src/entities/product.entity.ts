import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

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
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type Product = InferEntity<typeof Product>;
