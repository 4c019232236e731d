import { z } from 'zod';
import { defineEvent } from '../contract';
import { Currency, CustomerId, Decimal, Email, Id, PricedLine, Timestamp } from '../primitives';

export const CheckoutStatus = z.enum(['RESERVING_STOCK', 'PROCESSING_PAYMENT', 'CREATING_ORDER', 'COMPLETED', 'FAILED']);

export const CheckoutInitiated = defineEvent({
  name: 'CheckoutInitiated',
  version: '1.0',
  domain: 'checkout',
  data: z.object({
    checkoutId: Id,
    orderId: Id,
    customerId: CustomerId,
    email: Email.nullable(),
    lines: z.array(PricedLine).min(1),
    total: Decimal,
    currency: Currency,
  }),
  aggregateOf: (d) => d.checkoutId,
});

export const CheckoutStatusChanged = defineEvent({
  name: 'CheckoutStatusChanged',
  version: '1.0',
  domain: 'checkout',
  data: z.object({
    checkoutId: Id,
    orderId: Id,
    customerId: CustomerId,
    status: CheckoutStatus,
    previousStatus: CheckoutStatus.nullable(),
    failureReason: z.string().max(500).nullable(),
    at: Timestamp,
  }),
  aggregateOf: (d) => d.checkoutId,
});
