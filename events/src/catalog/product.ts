import { z } from 'zod';
import { defineEvent } from '../contract';
import { Currency, Decimal, Sku } from '../primitives';

const ProductState = z.object({
  sku: Sku,
  name: z.string().min(1).max(200),
  description: z.string().max(2000).nullable(),
  price: Decimal,
  currency: Currency,
});

export const ProductCreated = defineEvent({
  name: 'ProductCreated',
  version: '1.0',
  domain: 'product',
  data: ProductState,
  aggregateOf: (d) => d.sku,
});

export const ProductUpdated = defineEvent({
  name: 'ProductUpdated',
  version: '1.0',
  domain: 'product',
  data: ProductState,
  aggregateOf: (d) => d.sku,
});

export const ProductPriceChanged = defineEvent({
  name: 'ProductPriceChanged',
  version: '1.0',
  domain: 'product',
  data: z.object({ sku: Sku, oldPrice: Decimal, newPrice: Decimal, currency: Currency }),
  aggregateOf: (d) => d.sku,
});

export const ProductDeactivated = defineEvent({
  name: 'ProductDeactivated',
  version: '1.0',
  domain: 'product',
  data: z.object({ sku: Sku }),
  aggregateOf: (d) => d.sku,
});

/** Not in the record; reactivateProduct needs it so live storefronts see the product return. */
export const ProductReactivated = defineEvent({
  name: 'ProductReactivated',
  version: '1.0',
  domain: 'product',
  data: z.object({ sku: Sku }),
  aggregateOf: (d) => d.sku,
});
