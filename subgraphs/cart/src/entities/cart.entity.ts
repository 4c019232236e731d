import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn } from '@shop/platform';

/** One customer's cart; its lines are CartLine rows. */
export const Cart = defineEntity({
  name: 'Cart',
  tableName: 'carts',
  properties: {
    customerId: p.string().primary(),
    /** The customer's last change: an idle cart expires from here. */
    lastActiveAt: p.datetime().columnType('timestamptz'),
    /** Grows with every change: the `sequence` of the cart's events. */
    version: p.integer(),
    createdAt: createdAtColumn(),
    /** Any change, the customer's or an event's (set where the change is made). */
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});

export type Cart = InferEntity<typeof Cart>;
