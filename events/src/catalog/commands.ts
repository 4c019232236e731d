import { z } from 'zod';
import { defineCommand } from '../contract';
import { Currency, CustomerId, Decimal, Email, Id, PricedLine, StockLine } from '../primitives';

// Forward commands expire (`expires: true`): carried out late they would act on a checkout the
// saga has already failed. Compensations and confirmations never expire.

export const ReserveStock = defineCommand({
  name: 'ReserveStock',
  version: '1.0',
  to: 'inventory',
  from: ['checkout'],
  expires: true,
  data: z.object({ reservationId: Id, orderId: Id, customerId: CustomerId, lines: z.array(StockLine).min(1) }),
  aggregateOf: (d) => d.reservationId,
});

export const ReleaseStock = defineCommand({
  name: 'ReleaseStock',
  version: '1.0',
  to: 'inventory',
  from: ['checkout'],
  expires: false,
  data: z.object({ reservationId: Id, orderId: Id }),
  aggregateOf: (d) => d.reservationId,
});

export const ConfirmStock = defineCommand({
  name: 'ConfirmStock',
  version: '1.0',
  to: 'inventory',
  from: ['checkout'],
  expires: false,
  data: z.object({ reservationId: Id, orderId: Id }),
  aggregateOf: (d) => d.reservationId,
});

export const ProcessPayment = defineCommand({
  name: 'ProcessPayment',
  version: '1.0',
  to: 'payment',
  from: ['checkout'],
  expires: true,
  data: z.object({
    checkoutId: Id,
    orderId: Id,
    customerId: CustomerId,
    amount: Decimal,
    currency: Currency,
    paymentToken: z.string().min(1).max(100),
  }),
  aggregateOf: (d) => d.checkoutId,
});

export const RefundPayment = defineCommand({
  name: 'RefundPayment',
  version: '1.0',
  to: 'payment',
  from: ['checkout', 'order'],
  expires: false,
  data: z.object({ checkoutId: Id, orderId: Id, requestedBy: z.enum(['saga', 'admin']) }),
  aggregateOf: (d) => d.checkoutId,
});

export const CreateOrder = defineCommand({
  name: 'CreateOrder',
  version: '1.0',
  to: 'order',
  from: ['checkout'],
  expires: true,
  data: z.object({
    orderId: Id,
    checkoutId: Id,
    customerId: CustomerId,
    email: Email.nullable(),
    lines: z.array(PricedLine).min(1),
    total: Decimal,
    currency: Currency,
    paymentRef: z.string().min(1).max(100),
  }),
  aggregateOf: (d) => d.checkoutId,
});

export const CancelOrder = defineCommand({
  name: 'CancelOrder',
  version: '1.0',
  to: 'order',
  from: ['checkout'],
  expires: false,
  data: z.object({ orderId: Id, checkoutId: Id, reason: z.string().max(500) }),
  aggregateOf: (d) => d.checkoutId,
});
