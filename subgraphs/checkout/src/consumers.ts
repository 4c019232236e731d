import { OrderCreated, PaymentFailed, PaymentSucceeded, StockReservationFailed, StockReserved, on } from '@shop/events';
import type { CheckoutSaga } from './saga/runner';

/** What the saga reacts to: each reply moves its checkout through the transition table. */
export const subscriptionsFor = (saga: CheckoutSaga) => [
  on(StockReserved, ({ eventId, data }, { em }) => saga.apply(em, data.reservationId, { type: 'StockReserved' }, eventId)),
  on(StockReservationFailed, ({ eventId, data }, { em }) => {
    const short = data.shortSkus.map((s) => `${s.sku} (asked ${s.requested}, ${s.available} left)`).join(', ');
    const reason = short ? `out of stock: ${short}` : `stock could not be reserved: ${data.reason}`;
    return saga.apply(em, data.reservationId, { type: 'StockReservationFailed', reason }, eventId);
  }),
  on(PaymentSucceeded, ({ eventId, data }, { em }) =>
    saga.apply(em, data.checkoutId, { type: 'PaymentSucceeded', paymentRef: data.paymentRef }, eventId),
  ),
  on(PaymentFailed, ({ eventId, data }, { em }) =>
    saga.apply(em, data.checkoutId, { type: 'PaymentFailed', reason: `payment failed: ${data.reason}` }, eventId),
  ),
  on(OrderCreated, ({ eventId, data }, { em }) => saga.apply(em, data.checkoutId, { type: 'OrderCreated' }, eventId)),
];
