import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

export const CartLine = defineEntity({
  name: 'CartLine',
  tableName: 'cart_lines',
  properties: {
    customerId: p.string().primary(),
    sku: p.string().primary(),
    quantity: p.integer(),
    /** Exact decimal, read and written as a string. */
    unitPrice: p.decimal('string').columnType('numeric(18,4)'),
    currency: p.string().columnType('char(3)'),
    /** The product sequence of the price change this price comes from; an older change is ignored. */
    priceSequence: p.integer(),
    addedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});

export type CartLine = InferEntity<typeof CartLine>;
