import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

/** A cart that expired idle (CartExpired), one row per event: a customer's cart may expire again later. */
export const ExpiredCart = defineEntity({
  name: 'ExpiredCart',
  tableName: 'expired_carts',
  properties: {
    eventId: p.uuid().primary(),
    customerId: p.string(),
    units: p.integer(),
    expiredAt: p.datetime().columnType('timestamptz'),
  },
});

export type ExpiredCart = InferEntity<typeof ExpiredCart>;
