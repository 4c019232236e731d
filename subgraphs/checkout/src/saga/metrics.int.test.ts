import { randomUUID } from 'node:crypto';
import { waitFor } from '@shop/events/src/testing';
import { metricValue } from '@shop/events/src/testing/prometheus';
import { type TestSubgraph, startInMemorySubgraph } from '@shop/platform/src/testing';
import { Checkout } from '../entities/checkout.entity';
import { startCheckoutService } from '../subgraph';

// The saga's metrics: checkouts per state, counted in checkout_db at scrape time, and the
// checkouts the timeout worker failed.

describe('checkout saga metrics', () => {
  let checkout: TestSubgraph;

  beforeAll(async () => {
    checkout = await startInMemorySubgraph('saga_metrics', startCheckoutService, {
      env: { ...process.env, CHECKOUT_STEP_TIMEOUT_MS: '200' },
    });
  });

  afterAll(async () => {
    await checkout?.stop();
  });

  it('counts sagas per state and the ones that timed out', async () => {
    const { orm, registry } = checkout.service;
    const before = await registry.metrics();
    expect(metricValue(before, 'checkout_sagas', { state: 'RESERVING_STOCK' })).toBe(0);
    expect(metricValue(before, 'checkout_saga_timeouts_total')).toBe(0);

    const em = orm.em.fork();
    em.create(Checkout, {
      id: randomUUID(),
      orderId: randomUUID(),
      customerId: 'metrics-customer',
      email: null,
      idempotencyKey: null,
      status: 'RESERVING_STOCK',
      failureReason: null,
      lines: [{ sku: 'METRIC-1', quantity: 1, unitPrice: '2.00' }],
      total: '2.00',
      currency: 'GBP',
      paymentToken: 'tok_visa',
      paymentRef: null,
      refundRequested: false,
      orderCancelled: false,
      deadlineAt: new Date(Date.now() + 60_000),
      sequence: 1,
      version: 1,
    });
    await em.flush();
    expect(metricValue(await registry.metrics(), 'checkout_sagas', { state: 'RESERVING_STOCK' })).toBe(1);

    await orm.em.fork().nativeUpdate(Checkout, { customerId: 'metrics-customer' }, { deadlineAt: new Date(Date.now() - 1_000) });
    await waitFor(async () => metricValue(await registry.metrics(), 'checkout_saga_timeouts_total') === 1, {
      what: 'the timeout to count',
    });
    const after = await registry.metrics();
    expect(metricValue(after, 'checkout_sagas', { state: 'RESERVING_STOCK' })).toBe(0);
    expect(metricValue(after, 'checkout_sagas', { state: 'FAILED' })).toBe(1);
  });
});
