import { type EntityManager, LockMode } from '@mikro-orm/core';
import {
  type CancelOrder,
  type CreateOrder,
  type DataOf,
  type HandlerContext,
  Id,
  OrderCreated,
  OrderFailed,
  OrderPaid,
  OrderRefunded,
  OrderShipped,
  type Outbox,
  RefundPayment,
  type RefundProcessed,
} from '@shop/events';
import { conflict, formatAmount, isCurrencyCode, notFound, validArg } from '@shop/platform';
import { z } from 'zod';
import { OrderCancellation } from './entities/order-cancellation.entity';
import { Order, type OrderStatus } from './entities/order.entity';
import { OrderTransition } from './entities/order-transition.entity';

// The order's operations: each changes an order and writes its messages to the outbox in one
// transaction, under a row lock so the order's event sequence has no gaps and no ties. Every
// message of an order carries its checkout's id as correlation id, like the rest of its checkout.

const TrackingNumber = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** Order ids are uuids: anything else names no order, and never reaches the database. */
export const isOrderId = (id: string): boolean => Id.safeParse(id).success;

/** Moves an order to a status: its next version, and that version's entry in its history. */
function moveTo(em: EntityManager, order: Order, status: OrderStatus): void {
  order.status = status;
  order.version += 1;
  em.create(OrderTransition, { orderId: order.id, sequence: order.version, status, at: new Date() });
}

async function changeOrder(em: EntityManager, id: string, apply: (tx: EntityManager, order: Order) => void): Promise<Order> {
  if (!isOrderId(id)) throw notFound(`order ${id}`);
  return em.transactional(async (tx) => {
    const order = await tx.findOne(Order, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!order) throw notFound(`order ${id}`);
    apply(tx, order);
    return order;
  });
}

export function shipOrder(em: EntityManager, outbox: Outbox, id: string, trackingNumber: string): Promise<Order> {
  const tracking = validArg(TrackingNumber, trackingNumber, 'trackingNumber');
  return changeOrder(em, id, (tx, order) => {
    if (order.status !== 'PAID') throw conflict(`order ${id} is ${order.status}: only a PAID order can be shipped`);
    if (order.refundRequestedAt) throw conflict(`order ${id} is being refunded: it cannot be shipped`);
    moveTo(tx, order, 'SHIPPED');
    order.trackingNumber = tracking;
    outbox.publish(
      tx,
      OrderShipped,
      { orderId: order.id, customerId: order.customerId, email: order.email ?? null, trackingNumber: tracking },
      { sequence: order.version, correlationId: order.checkoutId },
    );
  });
}

/** Asks payment for the refund; the order becomes REFUNDED when RefundProcessed arrives (`markRefunded`). */
export function refundOrder(em: EntityManager, outbox: Outbox, id: string): Promise<Order> {
  return changeOrder(em, id, (tx, order) => {
    if (order.refundRequestedAt) {
      throw conflict(`order ${id} already has a refund ${order.status === 'REFUNDED' ? 'done' : 'pending'}`);
    }
    if (order.status !== 'PAID' && order.status !== 'SHIPPED') {
      throw conflict(`order ${id} is ${order.status}: only a PAID or SHIPPED order can be refunded`);
    }
    order.refundRequestedAt = new Date();
    // Asking changes no status and announces no event, so the version stays; the command carries it.
    outbox.publish(
      tx,
      RefundPayment,
      { checkoutId: order.checkoutId, orderId: order.id, requestedBy: 'admin' },
      { sequence: order.version, correlationId: order.checkoutId },
    );
  });
}

/**
 * Serialises the saga's commands for one order across consumers and instances, so a CancelOrder
 * and a CreateOrder of the same order never both see the other missing.
 */
async function lockOrderCommands(em: EntityManager, orderId: string): Promise<void> {
  await em
    .getConnection()
    .execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`order:${orderId}`], 'get', em.getTransactionContext());
}

/** An amount of a command, in the currency's minor units; a malformed one fails the message with the reason. */
function exactAmount(amount: string, currency: string, field: string): string {
  if (!isCurrencyCode(currency)) throw new Error(`currency ${currency} is not a known ISO 4217 code`);
  try {
    return formatAmount(amount, currency);
  } catch (err) {
    throw new Error(`${field}: ${(err as Error).message}`);
  }
}

/** CreateOrder: the saga's payment succeeded, so the order is created PAID. Once per order id. */
export async function createOrder({ em, publish, logger }: HandlerContext, command: DataOf<typeof CreateOrder>): Promise<void> {
  await lockOrderCommands(em, command.orderId);
  if (await em.findOne(OrderCancellation, { orderId: command.orderId })) {
    logger.warn({ orderId: command.orderId }, 'CreateOrder arrived after its CancelOrder: no order created');
    return;
  }
  if (await em.findOne(Order, { id: command.orderId })) {
    logger.info({ orderId: command.orderId }, 'CreateOrder for an order that exists already: nothing to do');
    return;
  }
  const total = exactAmount(command.total, command.currency, 'total');
  const lines = command.lines.map((line, i) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: exactAmount(line.unitPrice, command.currency, `lines.${i}.unitPrice`),
  }));
  // Two changes at once, each with its own sequence: created (1), then paid (2).
  const order = em.create(Order, {
    id: command.orderId,
    checkoutId: command.checkoutId,
    customerId: command.customerId,
    email: command.email,
    status: 'PAID',
    lines,
    total,
    currency: command.currency,
    paymentRef: command.paymentRef,
    version: 2,
  });
  em.create(OrderTransition, { orderId: order.id, sequence: order.version, status: order.status, at: new Date() });
  const correlationId = order.checkoutId;
  publish(
    OrderCreated,
    {
      orderId: order.id,
      checkoutId: order.checkoutId,
      customerId: order.customerId,
      email: command.email,
      lines,
      total,
      currency: order.currency,
      paymentRef: order.paymentRef,
    },
    { sequence: 1, correlationId },
  );
  publish(
    OrderPaid,
    { orderId: order.id, checkoutId: order.checkoutId, customerId: order.customerId, paymentRef: order.paymentRef },
    { sequence: 2, correlationId },
  );
}

/** CancelOrder, the saga's compensation: the order FAILS, or, not created yet, never will be. */
export async function cancelOrder({ em, publish, logger }: HandlerContext, command: DataOf<typeof CancelOrder>): Promise<void> {
  await lockOrderCommands(em, command.orderId);
  const order = await em.findOne(Order, { id: command.orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!order) {
    if (!(await em.findOne(OrderCancellation, { orderId: command.orderId }))) {
      em.create(OrderCancellation, { orderId: command.orderId, checkoutId: command.checkoutId, reason: command.reason });
    }
    logger.info({ orderId: command.orderId }, 'CancelOrder before its order exists: marked, so a late CreateOrder creates nothing');
    return;
  }
  if (order.status === 'FAILED' || order.status === 'REFUNDED') {
    logger.info({ orderId: order.id, status: order.status }, 'CancelOrder for an order already FAILED or REFUNDED: nothing to do');
    return;
  }
  moveTo(em, order, 'FAILED');
  publish(
    OrderFailed,
    { orderId: order.id, checkoutId: order.checkoutId, customerId: order.customerId, reason: command.reason, lines: order.lines },
    { sequence: order.version, correlationId: order.checkoutId },
  );
}

/** RefundProcessed: the refund an admin asked for is done, so the order is REFUNDED. */
export async function markRefunded({ em, publish, logger }: HandlerContext, refund: DataOf<typeof RefundProcessed>): Promise<void> {
  // The saga's refunds compensate a failed checkout, whose order (if any) it cancels with CancelOrder.
  if (refund.requestedBy !== 'admin') return;
  const order = await em.findOne(Order, { id: refund.orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!order) {
    logger.warn({ orderId: refund.orderId }, 'RefundProcessed for an order this service does not know: ignored');
    return;
  }
  if (order.status === 'REFUNDED') {
    logger.info({ orderId: order.id }, 'RefundProcessed for an order already REFUNDED: ignored');
    return;
  }
  if (order.status !== 'PAID' && order.status !== 'SHIPPED') {
    logger.warn({ orderId: order.id, status: order.status }, 'RefundProcessed for an order that is neither PAID nor SHIPPED: ignored');
    return;
  }
  moveTo(em, order, 'REFUNDED');
  publish(
    OrderRefunded,
    {
      orderId: order.id,
      customerId: order.customerId,
      email: order.email ?? null,
      refundRef: refund.refundRef,
      amount: refund.amount,
      currency: refund.currency,
    },
    { sequence: order.version, correlationId: order.checkoutId },
  );
}
