import { randomUUID } from 'node:crypto';
import { CheckoutStatusChanged, OrderShipped, Outbox, ProductPriceChanged, StockLevelChanged } from '@shop/events';
import { decodeStatusEvent } from './status-events';

const checkoutId = randomUUID();
const orderId = randomUUID();
const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const statusChanged = (source = 'checkout-service') =>
  new Outbox(source).envelope(
    CheckoutStatusChanged,
    {
      checkoutId,
      orderId,
      customerId: 'c-1',
      status: 'FAILED',
      previousStatus: 'PROCESSING_PAYMENT',
      failureReason: 'declined',
      at: '2026-11-27T10:00:00.000Z',
    },
    { sequence: 3, correlationId: checkoutId },
  );

describe('decodeStatusEvent', () => {
  it('reads a checkout status change and an order status event', () => {
    expect(decodeStatusEvent(body(statusChanged()))).toEqual({
      kind: 'checkout',
      sequence: 3,
      checkoutId,
      customerId: 'c-1',
      status: 'FAILED',
      failureReason: 'declined',
      at: '2026-11-27T10:00:00.000Z',
    });
    const shipped = new Outbox('order-service').envelope(
      OrderShipped,
      { orderId, customerId: 'c-1', email: null, trackingNumber: 'TRK-1' },
      { sequence: 3, correlationId: checkoutId },
    );
    expect(decodeStatusEvent(body(shipped))).toEqual({ kind: 'order', sequence: 3, orderId, customerId: 'c-1', status: 'SHIPPED' });
  });

  it('reads a product change and a stock change, each with the domain whose sequence it carries', () => {
    const repriced = new Outbox('product-service').envelope(
      ProductPriceChanged,
      { sku: 'LAMP-1', oldPrice: '10.00', newPrice: '12.00', currency: 'GBP' },
      { sequence: 4 },
    );
    expect(decodeStatusEvent(body(repriced))).toEqual({ kind: 'product', sequence: 4, sku: 'LAMP-1', domain: 'product' });
    const counted = new Outbox('inventory-service').envelope(
      StockLevelChanged,
      { sku: 'LAMP-1', available: 3, reserved: 1, sold: 0, lowStockThreshold: 5 },
      { sequence: 9 },
    );
    expect(decodeStatusEvent(body(counted))).toEqual({ kind: 'product', sequence: 9, sku: 'LAMP-1', domain: 'inventory' });
    expect(() => decodeStatusEvent(body(new Outbox('product-service').envelope(StockLevelChanged, counted.data, { sequence: 9 })))).toThrow(
      'StockLevelChanged from product-service refused',
    );
  });

  it.each([
    ['a body that is not JSON', Buffer.from('{nope'), 'the body is not JSON'],
    ['a malformed envelope', body({ ...statusChanged(), eventId: 'x' }), 'malformed envelope: eventId'],
    ['a type it does not take', body({ ...statusChanged(), eventType: 'CartCleared' }), 'the gateway does not take CartCleared'],
    ['another version', body({ ...statusChanged(), version: '2.0' }), 'version 2.0 of CheckoutStatusChanged is not accepted'],
    ['another sender', body(statusChanged('cart-service')), 'CheckoutStatusChanged from cart-service refused'],
    [
      'data that breaks the contract',
      body({ ...statusChanged(), data: { ...statusChanged().data, status: 'DONE' } }),
      'invalid CheckoutStatusChanged 1.0: data.status',
    ],
  ])('refuses %s, saying why', (_, message, reason) => {
    expect(() => decodeStatusEvent(message)).toThrow(reason);
  });
});
