import { LowStockAlert, OrderCreated, OrderRefunded, OrderShipped, on } from '@shop/events';
import { announceRefund, announceShipment, confirmOrder, warnAdmins } from './mailbox';

// Events the order and inventory services already publish; email only binds its own queue to their exchanges.

export const subscriptionsFor = (adminEmail: string) => [
  on(OrderCreated, (message, context) => confirmOrder(context, message)),
  on(OrderShipped, (message, context) => announceShipment(context, message)),
  on(OrderRefunded, (message, context) => announceRefund(context, message)),
  on(LowStockAlert, (message, context) => warnAdmins(context, adminEmail, message)),
];
