import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, updatedAtColumn } from '@shop/platform';

const ORDER_STATUSES = ['PAID', 'SHIPPED', 'FAILED', 'REFUNDED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** A line as bought: the unit price is an exact decimal string in the order's currency. */
export interface OrderLineData {
  sku: string;
  quantity: number;
  unitPrice: string;
}

export const Order = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: {
    /** Allocated by the checkout saga, so every message of one checkout names it. */
    id: p.uuid().primary(),
    checkoutId: p.uuid().unique(),
    customerId: p.string(),
    /** Where confirmations go, when the customer's token carried one. */
    email: p.string().nullable(),
    status: p.enum([...ORDER_STATUSES]),
    /** Never changes after creation: a snapshot of what was bought. */
    lines: p.json<OrderLineData[]>().columnType('jsonb'),
    /** Exact decimal, read and written as a string. */
    total: p.decimal('string').columnType('numeric(18,4)'),
    currency: p.string().columnType('char(3)'),
    paymentRef: p.string(),
    trackingNumber: p.string().nullable(),
    /** Set when an admin asks for a refund; the order becomes REFUNDED once payment confirms it. */
    refundRequestedAt: p.datetime().columnType('timestamptz').nullable(),
    /** Grows with every change its events announce: the `sequence` of the order's events. */
    version: p.integer(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type Order = InferEntity<typeof Order>;
