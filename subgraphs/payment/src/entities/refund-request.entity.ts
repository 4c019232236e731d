import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn } from '@shop/platform';

/**
 * The first RefundPayment of a checkout, kept for good: a payment still PENDING is refunded as
 * soon as it succeeds, and a ProcessPayment arriving after it charges nothing.
 */
export const RefundRequest = defineEntity({
  name: 'RefundRequest',
  tableName: 'refund_requests',
  properties: {
    checkoutId: p.uuid().primary(),
    orderId: p.uuid(),
    requestedBy: p.enum(['saga', 'admin']),
    createdAt: createdAtColumn(),
  },
});

export type RefundRequest = InferEntity<typeof RefundRequest>;
