import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

/** A checkout a customer started (CheckoutInitiated): the denominator of conversion. */
export const CheckoutStart = defineEntity({
  name: 'CheckoutStart',
  tableName: 'checkouts',
  properties: {
    checkoutId: p.uuid().primary(),
    orderId: p.uuid(),
    customerId: p.string(),
    startedAt: p.datetime().columnType('timestamptz'),
  },
});

export type CheckoutStart = InferEntity<typeof CheckoutStart>;
