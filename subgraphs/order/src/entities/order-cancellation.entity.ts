import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

/**
 * The mark a CancelOrder leaves when it arrives before its order was created: a CreateOrder
 * arriving later finds it and creates nothing.
 */
export const OrderCancellation = defineEntity({
  name: 'OrderCancellation',
  tableName: 'order_cancellations',
  properties: {
    orderId: p.uuid().primary(),
    checkoutId: p.uuid(),
    reason: p.string(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});

export type OrderCancellation = InferEntity<typeof OrderCancellation>;
