import { randomUUID } from 'node:crypto';
import { CancelOrder, CreateOrder, OrderCreated, OrderFailed, OrderPaid } from '@shop/events';
import { waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, customer, startInMemorySubgraph } from '@shop/platform/src/testing';
import { startOrderService } from './subgraph';

// Order's handlers and resolvers on the in-memory transport.

describe('order on the in-memory transport', () => {
  let order: TestSubgraph;

  beforeAll(async () => {
    order = await startInMemorySubgraph('order_mem', startOrderService);
  });

  afterAll(async () => {
    await order?.stop();
  });

  it('creates a PAID order on CreateOrder, once, and fails it on CancelOrder', async () => {
    const events = await order.watch(OrderCreated, OrderPaid, OrderFailed);
    const orderId = randomUUID();
    const checkoutId = randomUUID();
    const create = {
      orderId,
      checkoutId,
      customerId: 'buyer-1',
      email: null,
      lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: '4.50' }],
      total: '9.00',
      currency: 'GBP',
      paymentRef: 'pay_1',
    };
    const options = { source: 'checkout-service', sequence: 1, notAfter: new Date(Date.now() + 60_000) };
    await order.send(CreateOrder, create, options);
    await order.send(CreateOrder, create, { ...options, sequence: 2 });
    await waitFor(() => events.length >= 2, { what: 'OrderCreated and OrderPaid' });
    const read = await order.query(`query ($id: ID!) { order(id: $id) { status total { amount } } }`, { id: orderId }, customer('buyer-1'));
    expect(read.data).toEqual({ order: { status: 'PAID', total: { amount: '9.00' } } });

    await order.send(CancelOrder, { orderId, checkoutId, reason: 'timed out' }, { source: 'checkout-service', sequence: 3 });
    await waitFor(() => events.some((e) => e.eventType === 'OrderFailed'), { what: 'OrderFailed' });
    expect(events.map((e) => e.eventType)).toEqual(['OrderCreated', 'OrderPaid', 'OrderFailed']);
  });
});
