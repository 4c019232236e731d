import { randomUUID } from 'node:crypto';
import { CancelOrder, CreateOrder, OrderCreated, OrderFailed, OrderPaid, OrderShipped } from '@shop/events';
import { waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, admin, customer, startInMemorySubgraph } from '@shop/platform/src/testing';
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

  it('keeps every status change in the history, each with the sequence its event carries, and shows the version', async () => {
    const events = await order.watch(OrderPaid, OrderShipped, OrderFailed);
    const orderId = randomUUID();
    const checkoutId = randomUUID();
    await order.send(
      CreateOrder,
      {
        orderId,
        checkoutId,
        customerId: 'buyer-2',
        email: null,
        lines: [{ sku: 'SKU-2', quantity: 1, unitPrice: '3.00' }],
        total: '3.00',
        currency: 'GBP',
        paymentRef: 'pay_2',
      },
      { source: 'checkout-service', sequence: 1, notAfter: new Date(Date.now() + 60_000) },
    );
    await waitFor(() => events.length === 1, { what: 'OrderPaid' });
    const shipped = await order.query(
      `mutation ($id: ID!) { shipOrder(id: $id, trackingNumber: "TRK-2") { status } }`,
      { id: orderId },
      admin,
    );
    expect(shipped.errors).toBeUndefined();
    await order.send(CancelOrder, { orderId, checkoutId, reason: 'lost in transit' }, { source: 'checkout-service', sequence: 2 });
    await waitFor(() => events.length === 3, { what: 'OrderShipped and OrderFailed' });

    const read = await order.query<{
      order: { status: string; version: number; history: { status: string; sequence: number; at: string }[] };
    }>(`query ($id: ID!) { order(id: $id) { status version history { status sequence at } } }`, { id: orderId }, customer('buyer-2'));
    const { status, version, history } = read.data!.order;
    expect({ status, version }).toEqual({ status: 'FAILED', version: 4 });
    expect(history.map(({ status, sequence }) => ({ status, sequence }))).toEqual([
      { status: 'PAID', sequence: 2 },
      { status: 'SHIPPED', sequence: 3 },
      { status: 'FAILED', sequence: 4 },
    ]);
    expect(events.map((e) => [e.eventType, e.sequence])).toEqual([
      ['OrderPaid', 2],
      ['OrderShipped', 3],
      ['OrderFailed', 4],
    ]);
    const times = history.map((t) => Date.parse(t.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
