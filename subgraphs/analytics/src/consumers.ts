import { CartExpired, CheckoutInitiated, LowStockAlert, OrderCreated, OrderFailed, OrderPaid, RefundProcessed, on } from '@shop/events';
import {
  recordCartExpired,
  recordCheckoutStarted,
  recordLowStock,
  recordOrderCreated,
  recordOrderFailed,
  recordOrderPaid,
  recordRefund,
} from './facts';

// Events other services already publish; analytics only binds its own queue to their exchanges.

export const subscriptions = [
  on(OrderCreated, (message, { em }) => recordOrderCreated(em, message)),
  on(OrderPaid, (message, { em }) => recordOrderPaid(em, message)),
  on(OrderFailed, (message, { em }) => recordOrderFailed(em, message)),
  on(RefundProcessed, (message, { em }) => recordRefund(em, message)),
  on(CheckoutInitiated, (message, { em }) => recordCheckoutStarted(em, message)),
  on(CartExpired, async (message, { em }) => recordCartExpired(em, message)),
  on(LowStockAlert, async (message, { em }) => recordLowStock(em, message)),
];
