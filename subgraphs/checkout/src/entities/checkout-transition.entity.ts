import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import type { CheckoutStatus } from '../saga/transitions';

/** `Checkout.history`: every status a checkout went through, with its sequence. */
export const CheckoutTransition = defineEntity({
  name: 'CheckoutTransition',
  tableName: 'checkout_transitions',
  properties: {
    checkoutId: p.uuid().primary(),
    sequence: p.integer().primary(),
    status: p.string().$type<CheckoutStatus>(),
    at: p.datetime().columnType('timestamptz'),
  },
});

export type CheckoutTransition = InferEntity<typeof CheckoutTransition>;
