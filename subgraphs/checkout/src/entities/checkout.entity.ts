import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import type { CheckoutStatus } from '../saga/transitions';
import { createdAtColumn, updatedAtColumn } from '@shop/platform';

export interface CheckoutLine {
  sku: string;
  quantity: number;
  unitPrice: string;
}

/** The saga's row: one per checkout, changed only through the transition table. */
export const Checkout = defineEntity({
  name: 'Checkout',
  tableName: 'checkouts',
  properties: {
    id: p.uuid().primary(),
    /** Allocated when the saga starts, so every message of the checkout carries it. */
    orderId: p.uuid().unique(),
    customerId: p.string(),
    email: p.string().nullable(),
    idempotencyKey: p.string().nullable(),
    status: p.string().$type<CheckoutStatus>(),
    failureReason: p.text().nullable(),
    lines: p.json<CheckoutLine[]>().columnType('jsonb'),
    total: p.decimal('string').columnType('numeric(18,4)'),
    currency: p.string().columnType('char(3)'),
    paymentToken: p.string(),
    paymentRef: p.string().nullable(),
    refundRequested: p.boolean(),
    orderCancelled: p.boolean(),
    /** When the current state times out; null once COMPLETED or FAILED. */
    deadlineAt: p.datetime().columnType('timestamptz').nullable(),
    /** Number of statuses so far: the `sequence` of CheckoutStatusChanged and of `history`, without gaps. */
    sequence: p.integer(),
    /** Grows with every change of the row; saving checks it did not move (optimistic concurrency). */
    version: p.integer().concurrencyCheck(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type Checkout = InferEntity<typeof Checkout>;
