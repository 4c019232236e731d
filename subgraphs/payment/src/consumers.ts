import { ProcessPayment, RefundPayment, on } from '@shop/events';
import { processPayment, refundPayment } from './payments';
import type { PaymentSettings } from './settings';

/** The subscription list; charges depend on the settings (how late `tok_slow` succeeds). */
export const subscriptionsFor = (settings: PaymentSettings) => [
  on(ProcessPayment, (message, context) => processPayment(context, message.data, settings)),
  on(RefundPayment, (message, context) => refundPayment(context, message.data)),
];
