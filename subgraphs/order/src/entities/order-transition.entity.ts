import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import type { OrderStatus } from './order.entity';

/**
 * `Order.history`: every status an order went through, each with the sequence of the event that
 * announced it (OrderPaid is 2: OrderCreated, 1, changes no status). Written in the transaction of
 * the change, so the history is never behind the events.
 */
export const OrderTransition = defineEntity({
  name: 'OrderTransition',
  tableName: 'order_transitions',
  properties: {
    orderId: p.uuid().primary(),
    sequence: p.integer().primary(),
    status: p.string().$type<OrderStatus>(),
    at: p.datetime().columnType('timestamptz'),
  },
});

export type OrderTransition = InferEntity<typeof OrderTransition>;
