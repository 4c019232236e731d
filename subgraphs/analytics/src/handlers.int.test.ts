import { randomUUID } from 'node:crypto';
import {
  CartExpired,
  CheckoutInitiated,
  LowStockAlert,
  OrderCreated,
  OrderFailed,
  OrderPaid,
  RefundProcessed,
  catalog,
  exchangeOf,
} from '@shop/events';
import { deliver, waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, admin, customer, startInMemorySubgraph } from '@shop/platform/src/testing';
import { startAnalyticsService } from './subgraph';

// Analytics on the in-memory transport: events in as their publishers send them, reports out.

describe('analytics on the in-memory transport', () => {
  let analytics: TestSubgraph;

  beforeAll(async () => {
    analytics = await startInMemorySubgraph('analytics_mem', startAnalyticsService);
  });

  afterAll(async () => {
    await analytics?.stop();
  });

  const today = new Date().toISOString().slice(0, 10);
  const REPORTS = `query ($from: String, $to: String) {
    salesByDay(from: $from, to: $to) { day currency orders amount }
    salesBySku(from: $from, to: $to) { sku currency units orders amount }
    conversion(from: $from, to: $to) { checkoutsStarted checkoutsCompleted rate cartsExpired }
    refunds(from: $from, to: $to) { currency requestedBy refunds amount }
    lowStockAlerts { sku currentQuantity threshold }
  }`;

  function checkout(lines: { sku: string; quantity: number; unitPrice: string }[], total: string) {
    return { checkoutId: randomUUID(), orderId: randomUUID(), customerId: 'buyer-1', email: null, lines, total, currency: 'GBP' };
  }

  it('binds only its own queue, to exchanges the publishers already have, for events only', () => {
    const spec = analytics.service.bus.consumer?.spec;
    expect(spec?.name).toBe('analytics-service-queue');
    const publishedExchanges = new Set(catalog.filter((c) => c.kind === 'event').map(exchangeOf));
    expect(spec?.bindings.every((binding) => publishedExchanges.has(binding.exchange))).toBe(true);
    expect(spec?.bindings.map((binding) => binding.routingKey).sort()).toEqual(
      ['CartExpired', 'CheckoutInitiated', 'LowStockAlert', 'OrderCreated', 'OrderFailed', 'OrderPaid', 'RefundProcessed'].sort(),
    );
  });

  it('records sales, conversion, refunds and alerts once each, however often an event arrives', async () => {
    const sold = checkout(
      [
        { sku: 'AN-A', quantity: 2, unitPrice: '10.00' },
        { sku: 'AN-B', quantity: 1, unitPrice: '5.50' },
      ],
      '25.50',
    );
    const cancelled = checkout([{ sku: 'AN-A', quantity: 1, unitPrice: '10.00' }], '10.00');
    const abandoned = checkout([{ sku: 'AN-B', quantity: 3, unitPrice: '5.50' }], '16.50');
    for (const started of [sold, cancelled, abandoned])
      await analytics.send(CheckoutInitiated, started, { source: 'checkout-service', sequence: 1 });

    for (const order of [sold, cancelled]) {
      // The order service publishes both in one transaction; here OrderPaid arrives first.
      await analytics.send(OrderPaid, { ...order, paymentRef: `pay-${order.orderId}` }, { source: 'order-service', sequence: 1 });
      const created = await analytics.send(
        OrderCreated,
        { ...order, paymentRef: `pay-${order.orderId}` },
        { source: 'order-service', sequence: 1 },
      );
      // The same message redelivered, and the same fact announced again under a new id.
      await deliver(analytics.service.transport, OrderCreated, created);
      await analytics.send(OrderCreated, { ...order, paymentRef: `pay-${order.orderId}` }, { source: 'order-service', sequence: 1 });
    }
    await analytics.send(
      OrderFailed,
      { ...cancelled, reason: 'payment timed out', lines: cancelled.lines },
      { source: 'order-service', sequence: 2 },
    );
    const refund = {
      refundRef: `ref-${sold.orderId}`,
      paymentRef: `pay-${sold.orderId}`,
      amount: '25.50',
      currency: 'GBP',
      orderId: sold.orderId,
      checkoutId: sold.checkoutId,
      requestedBy: 'admin' as const,
    };
    const refunded = await analytics.send(RefundProcessed, refund, { source: 'payment-service', sequence: 3 });
    await deliver(analytics.service.transport, RefundProcessed, refunded);
    await analytics.send(
      CartExpired,
      { customerId: 'idle-1', lines: [{ sku: 'AN-A', quantity: 1 }] },
      { source: 'cart-service', sequence: 1 },
    );
    await analytics.send(LowStockAlert, { sku: 'AN-A', currentQuantity: 1, threshold: 5 }, { source: 'inventory-service', sequence: 4 });

    const reports = async () => (await analytics.query<Record<string, unknown[]>>(REPORTS, { from: today, to: today }, admin)).data;
    await waitFor(async () => (await reports())?.lowStockAlerts.length === 1, { what: 'the last event recorded' });
    expect(await reports()).toEqual({
      salesByDay: [{ day: today, currency: 'GBP', orders: 1, amount: '25.50' }],
      salesBySku: [
        { sku: 'AN-A', currency: 'GBP', units: 2, orders: 1, amount: '20.00' },
        { sku: 'AN-B', currency: 'GBP', units: 1, orders: 1, amount: '5.50' },
      ],
      conversion: { checkoutsStarted: 3, checkoutsCompleted: 1, rate: 1 / 3, cartsExpired: 1 },
      refunds: [{ currency: 'GBP', requestedBy: 'ADMIN', refunds: 1, amount: '25.50' }],
      lowStockAlerts: [{ sku: 'AN-A', currentQuantity: 1, threshold: 5 }],
    });

    const yesterday = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    const before = (await analytics.query<Record<string, unknown>>(REPORTS, { from: yesterday, to: yesterday }, admin)).data;
    expect(before).toMatchObject({ salesByDay: [], salesBySku: [], refunds: [], conversion: { checkoutsStarted: 0, rate: 0 } });
  });

  it('answers admins only', async () => {
    const ask = (identity: Parameters<TestSubgraph['query']>[2]) => analytics.query('{ conversion { rate } }', {}, identity);
    expect((await ask(customer('c-1'))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await ask(null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    [{ from: '2026-02-30' }, 'from must be a day as YYYY-MM-DD, not "2026-02-30"'],
    [{ to: 'yesterday' }, 'to must be a day as YYYY-MM-DD, not "yesterday"'],
    [{ from: '2026-03-02', to: '2026-03-01' }, 'from (2026-03-02) is after to (2026-03-01)'],
  ])('refuses the period %j with BAD_USER_INPUT', async (period, message) => {
    const result = await analytics.query(`query ($from: String, $to: String) { salesByDay(from: $from, to: $to) { day } }`, period, admin);
    expect(result.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
  });
});
