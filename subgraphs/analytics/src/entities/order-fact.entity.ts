import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import type { DataOf, OrderCreated } from '@shop/events';

export type SoldLine = DataOf<typeof OrderCreated>['lines'][number];

/**
 * One order as the order events told it. Events of one order may arrive in any order (retries), so
 * the row is created by whichever comes first and each fills in what it knows: OrderCreated the
 * lines and total, OrderPaid the payment, OrderFailed the cancellation.
 */
export const OrderFact = defineEntity({
  name: 'OrderFact',
  tableName: 'orders',
  properties: {
    orderId: p.uuid().primary(),
    checkoutId: p.uuid(),
    customerId: p.string(),
    /** Null until OrderCreated arrives, like the lines, the currency and placedAt. */
    total: p.decimal('string').columnType('numeric(18,4)').nullable(),
    currency: p.string().columnType('char(3)').nullable(),
    lines: p.json<SoldLine[]>().columnType('jsonb').nullable(),
    /** When the order was created (the OrderCreated event's timestamp): the day it sells on. */
    placedAt: p.datetime().columnType('timestamptz').nullable(),
    paid: p.boolean(),
    /** Cancelled by the checkout saga (OrderFailed): not a sale. */
    failed: p.boolean(),
  },
});

export type OrderFact = InferEntity<typeof OrderFact>;
