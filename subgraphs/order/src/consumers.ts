import { CancelOrder, CreateOrder, RefundProcessed, on } from '@shop/events';
import { cancelOrder, createOrder, markRefunded } from './orders';

export const subscriptions = [
  on(CreateOrder, (message, context) => createOrder(context, message.data)),
  on(CancelOrder, (message, context) => cancelOrder(context, message.data)),
  on(RefundProcessed, (message, context) => markRefunded(context, message.data)),
];
