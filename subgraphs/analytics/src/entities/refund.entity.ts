import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

/** A refund the payment service made (RefundProcessed), keyed by its reference. */
export const Refund = defineEntity({
  name: 'Refund',
  tableName: 'refunds',
  properties: {
    refundRef: p.string().primary(),
    orderId: p.uuid(),
    checkoutId: p.uuid(),
    amount: p.decimal('string').columnType('numeric(18,4)'),
    currency: p.string().columnType('char(3)'),
    requestedBy: p.enum(['saga', 'admin']),
    refundedAt: p.datetime().columnType('timestamptz'),
  },
});

export type Refund = InferEntity<typeof Refund>;
