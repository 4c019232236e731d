import { z } from 'zod';
import { defineEvent } from '../contract';
import { Currency, Decimal, Id } from '../primitives';

const PaymentRef = z.string().min(1).max(100);

export const PaymentSucceeded = defineEvent({
  name: 'PaymentSucceeded',
  version: '1.0',
  domain: 'payment',
  data: z.object({ paymentRef: PaymentRef, amount: Decimal, currency: Currency, orderId: Id, checkoutId: Id }),
  aggregateOf: (d) => d.checkoutId,
});

export const PaymentFailed = defineEvent({
  name: 'PaymentFailed',
  version: '1.0',
  domain: 'payment',
  data: z.object({
    paymentRef: PaymentRef,
    amount: Decimal,
    currency: Currency,
    reason: z.string().max(500),
    orderId: Id,
    checkoutId: Id,
  }),
  aggregateOf: (d) => d.checkoutId,
});

export const RefundProcessed = defineEvent({
  name: 'RefundProcessed',
  version: '1.0',
  domain: 'payment',
  data: z.object({
    refundRef: PaymentRef,
    paymentRef: PaymentRef,
    amount: Decimal,
    currency: Currency,
    orderId: Id,
    checkoutId: Id,
    /** Who asked: the saga compensating a failed checkout, or an admin refunding an order. */
    requestedBy: z.enum(['saga', 'admin']),
  }),
  aggregateOf: (d) => d.checkoutId,
});
