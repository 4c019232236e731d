import { randomUUID } from 'node:crypto';
import {
  CancelOrder,
  CreateOrder,
  type DataOf,
  type Envelope,
  type MessageContract,
  OrderCreated,
  OrderFailed,
  OrderPaid,
  OrderRefunded,
  OrderShipped,
  Outbox,
  ProcessPayment,
  RefundPayment,
  RefundProcessed,
} from '@shop/events';
import { deleteBrokerObjects, deliver, uniqueName, waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, admin, customer, startTestSubgraph } from '@shop/platform/src/testing';
import { startPaymentService } from '@shop/payment';
import { startOrderService } from './subgraph';

// The saga's commands are sent as checkout-service would send them, and the payment's answers as
// payment-service would, straight onto the broker; what the service announces is read from its
// outbox (the relay publishes every row of it) or watched on the broker.

const checkout = new Outbox('checkout-service');
const payment = new Outbox('payment-service');
const inAMinute = () => new Date(Date.now() + 60_000);

const send = (target: TestSubgraph, contract: MessageContract, ...envelopes: Envelope[]) =>
  deliver(target.service.transport, contract, ...envelopes);

/** Waits until the service's inbox has recorded every one of these messages. */
async function processed(target: TestSubgraph, ...envelopes: Envelope[]): Promise<void> {
  const ids = [...new Set(envelopes.map((e) => e.eventId))];
  await waitFor(
    async () => {
      const [{ n }] = await target.service.orm.em
        .fork()
        .getConnection()
        .execute('select count(*)::int as n from processed_events where event_id = any(?::uuid[])', [`{${ids.join(',')}}`]);
      return n === ids.length;
    },
    { what: `${ids.length} message(s) processed` },
  );
}

/** The messages of one type about one order the service has published or is about to (its outbox). */
async function announced(target: TestSubgraph, contract: MessageContract, orderId: string): Promise<Envelope<Record<string, unknown>>[]> {
  const rows: { payload: Envelope<Record<string, unknown>> }[] = await target.service.orm.em
    .fork()
    .getConnection()
    .execute(`select payload from outbox where message_type = ? and payload->'data'->>'orderId' = ? order by id`, [contract.name, orderId]);
  return rows.map((r) => r.payload);
}

function newOrder(customerId: string): DataOf<typeof CreateOrder> {
  return {
    orderId: randomUUID(),
    checkoutId: randomUUID(),
    customerId,
    email: `${customerId}@example.com`,
    lines: [
      { sku: 'SKU-1', quantity: 2, unitPrice: '12.5' },
      { sku: 'SKU-2', quantity: 1, unitPrice: '55' },
    ],
    total: '80',
    currency: 'GBP',
    paymentRef: `pay_${randomUUID()}`,
  };
}

const createOrder = (data: DataOf<typeof CreateOrder>, notAfter = inAMinute()) =>
  checkout.envelope(CreateOrder, data, { sequence: 5, correlationId: data.checkoutId, notAfter });

const cancelOrder = (data: DataOf<typeof CreateOrder>) =>
  checkout.envelope(
    CancelOrder,
    { orderId: data.orderId, checkoutId: data.checkoutId, reason: 'checkout timed out' },
    { sequence: 6, correlationId: data.checkoutId },
  );

const orderFields = `id customerId status lines { sku quantity unitPrice { amount currency } product { sku } } total { amount currency } trackingNumber createdAt updatedAt`;
const orderQuery = `query ($id: ID!) { order(id: $id) { ${orderFields} } }`;
const entitiesQuery = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status } } }`;
const ship = `mutation ($id: ID!, $tracking: String!) { shipOrder(id: $id, trackingNumber: $tracking) { status trackingNumber } }`;
const refund = `mutation ($id: ID!) { refundOrder(id: $id) { status } }`;

describe('order subgraph', () => {
  let order: TestSubgraph;
  let refundCommands: Envelope<Record<string, unknown>>[];

  beforeAll(async () => {
    order = await startTestSubgraph('order', startOrderService);
    // Stands in for the payment service's queue, so the order's RefundPayment has somewhere to go.
    refundCommands = await order.watch(RefundPayment);
  });

  afterAll(async () => {
    await order.stop();
  });

  async function placed(customerId: string): Promise<DataOf<typeof CreateOrder>> {
    const data = newOrder(customerId);
    const command = createOrder(data);
    await send(order, CreateOrder, command);
    await processed(order, command);
    return data;
  }

  const statusOf = async (orderId: string) =>
    (await order.query<{ order: { status: string } }>(orderQuery, { id: orderId }, admin)).data?.order.status;

  it('creates the order PAID from CreateOrder once, however often it arrives, and announces OrderCreated and OrderPaid', async () => {
    const data = newOrder('c-create');
    const command = createOrder(data);
    const retried = createOrder(data);
    await send(order, CreateOrder, command, command, retried);
    await processed(order, command, retried);

    const result = await order.query(orderQuery, { id: data.orderId }, customer('c-create'));
    expect(result).toEqual({
      data: {
        order: {
          id: data.orderId,
          customerId: 'c-create',
          status: 'PAID',
          lines: [
            { sku: 'SKU-1', quantity: 2, unitPrice: { amount: '12.50', currency: 'GBP' }, product: { sku: 'SKU-1' } },
            { sku: 'SKU-2', quantity: 1, unitPrice: { amount: '55.00', currency: 'GBP' }, product: { sku: 'SKU-2' } },
          ],
          total: { amount: '80.00', currency: 'GBP' },
          trackingNumber: null,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      },
    });
    const [created, ...moreCreated] = await announced(order, OrderCreated, data.orderId);
    const [paid, ...morePaid] = await announced(order, OrderPaid, data.orderId);
    expect([moreCreated, morePaid]).toEqual([[], []]);
    expect(created).toMatchObject({
      source: 'order-service',
      sequence: 1,
      correlationId: data.checkoutId,
      data: {
        ...data,
        total: '80.00',
        lines: [
          { sku: 'SKU-1', quantity: 2, unitPrice: '12.50' },
          { sku: 'SKU-2', quantity: 1, unitPrice: '55.00' },
        ],
      },
    });
    expect(paid).toMatchObject({
      sequence: 2,
      data: { orderId: data.orderId, checkoutId: data.checkoutId, customerId: 'c-create', paymentRef: data.paymentRef },
    });
  });

  it('refuses an expired CreateOrder without effect', async () => {
    const late = newOrder('c-late');
    const expired = createOrder(late, new Date(Date.now() - 1_000));
    const inTime = createOrder(newOrder('c-late'));
    await send(order, CreateOrder, expired, inTime);
    // Both travel one queue in order: once the second is applied, the first was refused.
    await processed(order, inTime);
    expect((await order.query(orderQuery, { id: late.orderId }, admin)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await announced(order, OrderCreated, late.orderId)).toEqual([]);
  });

  it('cancels an order with CancelOrder once: FAILED, and OrderFailed with its lines for the cart', async () => {
    const data = await placed('c-cancel');
    const cancel = cancelOrder(data);
    const again = cancelOrder(data);
    await send(order, CancelOrder, cancel, cancel, again);
    await processed(order, cancel, again);
    expect(await statusOf(data.orderId)).toBe('FAILED');
    const failed = await announced(order, OrderFailed, data.orderId);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      sequence: 3,
      correlationId: data.checkoutId,
      data: {
        orderId: data.orderId,
        checkoutId: data.checkoutId,
        customerId: 'c-cancel',
        reason: 'checkout timed out',
        lines: [
          { sku: 'SKU-1', quantity: 2, unitPrice: '12.50' },
          { sku: 'SKU-2', quantity: 1, unitPrice: '55.00' },
        ],
      },
    });
  });

  it('remembers a CancelOrder that arrives before its CreateOrder, so the late CreateOrder creates nothing', async () => {
    const data = newOrder('c-early-cancel');
    const cancel = cancelOrder(data);
    const lateCreate = createOrder(data);
    await send(order, CancelOrder, cancel);
    await processed(order, cancel);
    await send(order, CreateOrder, lateCreate);
    await processed(order, lateCreate);
    expect((await order.query(orderQuery, { id: data.orderId }, admin)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await announced(order, OrderCreated, data.orderId)).toEqual([]);
    expect(await announced(order, OrderFailed, data.orderId)).toEqual([]);
  });

  it("never shows a customer another customer's order: not by id, not in their list, not as a federation entity", async () => {
    const mine = await placed('c-owner');
    const other = customer('c-other');
    const asOther = await order.query(orderQuery, { id: mine.orderId }, other);
    expect(asOther.data).toEqual({ order: null });
    expect(asOther.errors?.[0]).toMatchObject({ message: `order ${mine.orderId} not found`, extensions: { code: 'NOT_FOUND' } });
    const unknown = await order.query(orderQuery, { id: randomUUID() }, other);
    const malformed = await order.query(orderQuery, { id: 'not-an-id' }, other);
    expect([unknown, malformed].map((r) => [r.data, r.errors?.[0].extensions?.code])).toEqual([
      [{ order: null }, 'NOT_FOUND'],
      [{ order: null }, 'NOT_FOUND'],
    ]);
    expect((await order.query(orderQuery, { id: mine.orderId }, null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await order.query(orderQuery, { id: mine.orderId }, admin)).data?.order).toMatchObject({ id: mine.orderId });

    const theirList = await order.query(`{ myOrders { items { id } nextCursor } }`, {}, other);
    expect(theirList.data).toEqual({ myOrders: { items: [], nextCursor: null } });

    const representations = [
      { __typename: 'Order', id: mine.orderId },
      { __typename: 'Order', id: 'not-an-id' },
    ];
    const asOwner = await order.query(entitiesQuery, { r: representations }, customer('c-owner'));
    expect(asOwner.data).toEqual({ _entities: [{ id: mine.orderId, status: 'PAID' }, null] });
    expect((await order.query(entitiesQuery, { r: representations }, other)).data).toEqual({ _entities: [null, null] });
    expect((await order.query(entitiesQuery, { r: representations }, null)).data).toEqual({ _entities: [null, null] });
    expect((await order.query(entitiesQuery, { r: representations }, admin)).data).toEqual({
      _entities: [{ id: mine.orderId, status: 'PAID' }, null],
    });
  });

  it('pages myOrders newest first with a cursor, and lists every order by status for admins only', async () => {
    const who = `c-pages-${randomUUID().slice(0, 6)}`;
    const orders = [await placed(who), await placed(who), await placed(who)];
    const placedInOrder = orders.map((o) => o.orderId);
    const page = `query ($after: String) { myOrders(first: 2, after: $after) { items { id } nextCursor } }`;
    const first = await order.query<{ myOrders: { items: { id: string }[]; nextCursor: string } }>(page, {}, customer(who));
    expect(first.data?.myOrders.items.map((o) => o.id)).toEqual([placedInOrder[2], placedInOrder[1]]);
    const second = await order.query(page, { after: first.data?.myOrders.nextCursor }, customer(who));
    expect(second.data).toEqual({ myOrders: { items: [{ id: placedInOrder[0] }], nextCursor: null } });
    expect((await order.query(page, { after: 'bm90IGEgY3Vyc29y' }, customer(who))).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    const cancel = cancelOrder(orders[1]);
    await send(order, CancelOrder, cancel);
    await processed(order, cancel);
    const byStatus = `query ($status: OrderStatus) { orders(status: $status, first: 100) { items { id status } } }`;
    const failed = await order.query<{ orders: { items: { id: string; status: string }[] } }>(byStatus, { status: 'FAILED' }, admin);
    expect(failed.data?.orders.items.every((o) => o.status === 'FAILED')).toBe(true);
    expect(failed.data?.orders.items.map((o) => o.id)).toContain(placedInOrder[1]);
    expect(failed.data?.orders.items.map((o) => o.id)).not.toContain(placedInOrder[2]);
    expect((await order.query(byStatus, {}, customer(who))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('ships a PAID order as admin once, announcing OrderShipped; refuses customers and orders in another state', async () => {
    const data = await placed('c-ship');
    const variables = { id: data.orderId, tracking: 'TRACK-123' };
    expect((await order.query(ship, variables, customer('c-ship'))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await order.query(ship, { ...variables, tracking: '  ' }, admin)).errors?.[0]).toMatchObject({
      message: 'trackingNumber: must not be empty',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await order.query(ship, variables, admin)).data).toEqual({ shipOrder: { status: 'SHIPPED', trackingNumber: 'TRACK-123' } });
    expect((await order.query(ship, variables, admin)).errors?.[0]).toMatchObject({
      message: `order ${data.orderId} is SHIPPED: only a PAID order can be shipped`,
      extensions: { code: 'CONFLICT' },
    });
    expect((await order.query(ship, { ...variables, id: randomUUID() }, admin)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const shipped = await announced(order, OrderShipped, data.orderId);
    expect(shipped).toEqual([
      expect.objectContaining({
        sequence: 3,
        data: { orderId: data.orderId, customerId: 'c-ship', email: 'c-ship@example.com', trackingNumber: 'TRACK-123' },
      }),
    ]);

    const cancelled = await placed('c-ship');
    const cancel = cancelOrder(cancelled);
    await send(order, CancelOrder, cancel);
    await processed(order, cancel);
    expect((await order.query(ship, { ...variables, id: cancelled.orderId }, admin)).errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('refunds as admin: RefundPayment to payment, then REFUNDED and OrderRefunded once RefundProcessed (by admin) arrives', async () => {
    const data = await placed('c-refund');
    const id = data.orderId;
    expect((await order.query(refund, { id }, customer('c-refund'))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await order.query(refund, { id }, admin)).data).toEqual({ refundOrder: { status: 'PAID' } });
    await waitFor(() => refundCommands.some((c) => c.data.orderId === id), { what: 'RefundPayment on the broker' });
    expect(refundCommands.filter((c) => c.data.orderId === id)).toHaveLength(1);
    expect(refundCommands.find((c) => c.data.orderId === id)).toMatchObject({
      source: 'order-service',
      correlationId: data.checkoutId,
      data: { checkoutId: data.checkoutId, orderId: id, requestedBy: 'admin' },
    });
    expect((await order.query(refund, { id }, admin)).errors?.[0]).toMatchObject({
      message: `order ${id} already has a refund pending`,
      extensions: { code: 'CONFLICT' },
    });
    expect((await order.query(ship, { id, tracking: 'T-1' }, admin)).errors?.[0].extensions?.code).toBe('CONFLICT');

    const processedFor = (requestedBy: 'saga' | 'admin') =>
      payment.envelope(
        RefundProcessed,
        {
          refundRef: `re_${randomUUID()}`,
          paymentRef: data.paymentRef,
          amount: '80.00',
          currency: 'GBP',
          orderId: id,
          checkoutId: data.checkoutId,
          requestedBy,
        },
        { sequence: 2, correlationId: data.checkoutId },
      );
    // A refund the saga asked for is the saga's business (it cancels the order): not this one's.
    const bySaga = processedFor('saga');
    await send(order, RefundProcessed, bySaga);
    await processed(order, bySaga);
    expect(await statusOf(id)).toBe('PAID');

    const byAdmin = processedFor('admin');
    const duplicate = processedFor('admin');
    await send(order, RefundProcessed, byAdmin, byAdmin, duplicate);
    await processed(order, byAdmin, duplicate);
    expect(await statusOf(id)).toBe('REFUNDED');
    expect(await announced(order, OrderRefunded, id)).toEqual([
      expect.objectContaining({
        sequence: 3,
        data: {
          orderId: id,
          customerId: 'c-refund',
          email: 'c-refund@example.com',
          refundRef: byAdmin.data.refundRef,
          amount: '80.00',
          currency: 'GBP',
        },
      }),
    ]);
    expect((await order.query(refund, { id }, admin)).errors?.[0]).toMatchObject({
      message: `order ${id} already has a refund done`,
      extensions: { code: 'CONFLICT' },
    });

    const cancelled = await placed('c-refund');
    const cancel = cancelOrder(cancelled);
    await send(order, CancelOrder, cancel);
    await processed(order, cancel);
    expect((await order.query(refund, { id: cancelled.orderId }, admin)).errors?.[0]).toMatchObject({
      message: `order ${cancelled.orderId} is FAILED: only a PAID or SHIPPED order can be refunded`,
      extensions: { code: 'CONFLICT' },
    });
  });
});

describe('admin refund between the order and payment subgraphs', () => {
  const prefix = `${uniqueName('refund')}.`;
  let order: TestSubgraph;
  let paymentService: TestSubgraph;

  beforeAll(async () => {
    [order, paymentService] = await Promise.all([
      startTestSubgraph('order', startOrderService, { prefix }),
      startTestSubgraph('payment', startPaymentService, { prefix }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([order?.stop(), paymentService?.stop()]);
    await deleteBrokerObjects(prefix);
  });

  it('refunds the payment of a SHIPPED order and marks the order REFUNDED', async () => {
    const data = newOrder('c-e2e');
    const charge = checkout.envelope(
      ProcessPayment,
      {
        checkoutId: data.checkoutId,
        orderId: data.orderId,
        customerId: data.customerId,
        amount: data.total,
        currency: data.currency,
        paymentToken: 'tok_visa',
      },
      { sequence: 3, correlationId: data.checkoutId, notAfter: inAMinute() },
    );
    await send(paymentService, ProcessPayment, charge);
    const paymentOf = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { payment { ref status amount { amount } } } } }`;
    const orderPayment = async () =>
      (
        await paymentService.query<{ _entities: { payment: { ref: string; status: string } | null }[] }>(
          paymentOf,
          { r: [{ __typename: 'Order', id: data.orderId }] },
          customer('c-e2e'),
        )
      ).data?._entities[0].payment;
    const charged = await waitFor(
      async () => {
        const current = await orderPayment();
        if (current?.status !== 'SUCCEEDED') throw new Error(`the payment is ${current?.status ?? 'not there'}`);
        return current;
      },
      { what: 'payment succeeded' },
    );

    const create = createOrder({ ...data, paymentRef: charged.ref });
    await send(order, CreateOrder, create);
    await processed(order, create);
    expect((await order.query(ship, { id: data.orderId, tracking: 'TRACK-E2E' }, admin)).data?.shipOrder).toMatchObject({
      status: 'SHIPPED',
    });

    expect((await order.query(refund, { id: data.orderId }, admin)).data).toEqual({ refundOrder: { status: 'SHIPPED' } });
    const statusOfOrder = async () =>
      (await order.query<{ order: { status: string } }>(orderQuery, { id: data.orderId }, customer('c-e2e'))).data?.order.status;
    await waitFor(async () => (await statusOfOrder()) === 'REFUNDED', { what: 'order refunded', timeoutMs: 20_000 });
    expect(await orderPayment()).toEqual({ ref: charged.ref, status: 'REFUNDED', amount: { amount: '80.00' } });
    const [refunded, ...more] = await announced(order, OrderRefunded, data.orderId);
    expect(more).toEqual([]);
    expect(refunded.data).toMatchObject({
      orderId: data.orderId,
      amount: '80.00',
      currency: 'GBP',
      refundRef: expect.stringMatching(/^re_/),
    });
  });
});
