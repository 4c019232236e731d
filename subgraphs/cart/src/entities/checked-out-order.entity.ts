import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, updatedAtColumn } from '@shop/platform';

/** Units a created order took out of a cart, as the cart held them. */
export interface TakenLine {
  sku: string;
  quantity: number;
  unitPrice: string;
  currency: string;
  priceSequence: number;
}

/**
 * What OrderCreated took out of the customer's cart (REMOVED), so that OrderFailed puts back
 * exactly that, once (RESTORED). An OrderFailed that arrives first leaves a RESTORED mark with
 * nothing taken, so the late OrderCreated takes nothing.
 */
export const CheckedOutOrder = defineEntity({
  name: 'CheckedOutOrder',
  tableName: 'checked_out_orders',
  properties: {
    orderId: p.uuid().primary(),
    customerId: p.string(),
    status: p.enum(['REMOVED', 'RESTORED']),
    taken: p.json<TakenLine[]>().columnType('jsonb'),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type CheckedOutOrder = InferEntity<typeof CheckedOutOrder>;
