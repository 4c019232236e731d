import { z } from 'zod';
import { defineEvent } from '../contract';
import { Currency, CustomerId, Decimal, Email, Id, PricedLine } from '../primitives';

export const OrderCreated = defineEvent({
  name: 'OrderCreated',
  version: '1.0',
  domain: 'order',
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
  aggregateOf: (d) => d.orderId,
});

export const OrderPaid = defineEvent({
  name: 'OrderPaid',
  version: '1.0',
  domain: 'order',
  data: z.object({ orderId: Id, checkoutId: Id, customerId: CustomerId, paymentRef: z.string().min(1).max(100) }),
  aggregateOf: (d) => d.orderId,
});

/** An order the saga cancelled: the cart puts its lines back. */
export const OrderFailed = defineEvent({
  name: 'OrderFailed',
  version: '1.0',
  domain: 'order',
  data: z.object({
    orderId: Id,
    checkoutId: Id,
    customerId: CustomerId,
    reason: z.string().max(500),
    lines: z.array(PricedLine),
  }),
  aggregateOf: (d) => d.orderId,
});

export const OrderShipped = defineEvent({
  name: 'OrderShipped',
  version: '1.0',
  domain: 'order',
  data: z.object({
    orderId: Id,
    customerId: CustomerId,
    email: Email.nullable(),
    trackingNumber: z.string().min(1).max(100),
  }),
  aggregateOf: (d) => d.orderId,
});

export const OrderRefunded = defineEvent({
  name: 'OrderRefunded',
  version: '1.0',
  domain: 'order',
  data: z.object({
    orderId: Id,
    customerId: CustomerId,
    email: Email.nullable(),
    refundRef: z.string().min(1).max(100),
    amount: Decimal,
    currency: Currency,
  }),
  aggregateOf: (d) => d.orderId,
});
