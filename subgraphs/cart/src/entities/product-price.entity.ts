import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

/**
 * The newest ProductPriceChanged applied per SKU, whether or not a cart held it then, so a line
 * added or put back later starts from it and an older change arriving late cannot overwrite it.
 */
export const ProductPrice = defineEntity({
  name: 'ProductPrice',
  tableName: 'product_prices',
  properties: {
    sku: p.string().primary(),
    price: p.decimal('string').columnType('numeric(18,4)'),
    currency: p.string().columnType('char(3)'),
    sequence: p.integer(),
  },
});

export type ProductPrice = InferEntity<typeof ProductPrice>;
