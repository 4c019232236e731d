import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, updatedAtColumn } from '@shop/platform';

const PAYMENT_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED'] as const;

/** The one charge of a checkout: a checkout is charged at most once, whatever is redelivered. */
export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  properties: {
    ref: p.string().primary(),
    checkoutId: p.uuid().unique(),
    orderId: p.uuid().unique(),
    customerId: p.string(),
    /** Exact decimal, read and written as a string. */
    amount: p.decimal('string').columnType('numeric(18,4)'),
    currency: p.string().columnType('char(3)'),
    status: p.enum([...PAYMENT_STATUSES]),
    failureReason: p.string().nullable(),
    /** When a PENDING payment completes; null for one the provider never answers. */
    dueAt: p.datetime().columnType('timestamptz').nullable(),
    refundRef: p.string().nullable(),
    refundedAt: p.datetime().columnType('timestamptz').nullable(),
    /** Grows with every change its events announce: the `sequence` of the payment's events. */
    version: p.integer(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type Payment = InferEntity<typeof Payment>;
