import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn } from '@shop/platform';

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
    createdAt: createdAtColumn(),
  },
});

export type OrderCancellation = InferEntity<typeof OrderCancellation>;
