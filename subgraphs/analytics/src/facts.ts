import type { EntityManager } from '@mikro-orm/core';
import type {
  CartExpired,
  CheckoutInitiated,
  DataOf,
  Envelope,
  LowStockAlert,
  OrderCreated,
  OrderFailed,
  OrderPaid,
  RefundProcessed,
} from '@shop/events';
import { CheckoutStart } from './entities/checkout-start.entity';
import { ExpiredCart } from './entities/expired-cart.entity';
import { LowStock } from './entities/low-stock.entity';
import { OrderFact } from './entities/order-fact.entity';
import { Refund } from './entities/refund.entity';

// What analytics records of each event it hears. The inbox already applies each event once; the
// natural keys (order id, checkout id, refund ref) also make a fact announced twice count once.

const at = (message: Envelope<unknown>) => new Date(message.timestamp);

/** The order's row, created by whichever of its events arrives first. */
async function orderFact(em: EntityManager, data: { orderId: string; checkoutId: string; customerId: string }): Promise<OrderFact> {
  const existing = await em.findOne(OrderFact, { orderId: data.orderId });
  if (existing) return existing;
  return em.create(OrderFact, {
    orderId: data.orderId,
    checkoutId: data.checkoutId,
    customerId: data.customerId,
    total: null,
    currency: null,
    lines: null,
    placedAt: null,
    paid: false,
    failed: false,
  });
}

export async function recordOrderCreated(em: EntityManager, message: Envelope<DataOf<typeof OrderCreated>>): Promise<void> {
  const { data } = message;
  const order = await orderFact(em, data);
  Object.assign(order, { total: data.total, currency: data.currency, lines: data.lines, placedAt: at(message) });
}

export async function recordOrderPaid(em: EntityManager, { data }: Envelope<DataOf<typeof OrderPaid>>): Promise<void> {
  (await orderFact(em, data)).paid = true;
}

export async function recordOrderFailed(em: EntityManager, { data }: Envelope<DataOf<typeof OrderFailed>>): Promise<void> {
  (await orderFact(em, data)).failed = true;
}

export async function recordCheckoutStarted(em: EntityManager, message: Envelope<DataOf<typeof CheckoutInitiated>>): Promise<void> {
  const { checkoutId, orderId, customerId } = message.data;
  if (await em.findOne(CheckoutStart, { checkoutId })) return;
  em.create(CheckoutStart, { checkoutId, orderId, customerId, startedAt: at(message) });
}

export async function recordRefund(em: EntityManager, message: Envelope<DataOf<typeof RefundProcessed>>): Promise<void> {
  const { refundRef, orderId, checkoutId, amount, currency, requestedBy } = message.data;
  if (await em.findOne(Refund, { refundRef })) return;
  em.create(Refund, { refundRef, orderId, checkoutId, amount, currency, requestedBy, refundedAt: at(message) });
}

export function recordCartExpired(em: EntityManager, message: Envelope<DataOf<typeof CartExpired>>): void {
  const units = message.data.lines.reduce((sum, line) => sum + line.quantity, 0);
  em.create(ExpiredCart, { eventId: message.eventId, customerId: message.data.customerId, units, expiredAt: at(message) });
}

export function recordLowStock(em: EntityManager, message: Envelope<DataOf<typeof LowStockAlert>>): void {
  const { sku, currentQuantity, threshold } = message.data;
  em.create(LowStock, { eventId: message.eventId, sku, currentQuantity, threshold, at: at(message) });
}
