import { type Envelope, OrderFailed, OrderRefunded, OrderShipped, Outbox } from '@shop/events';
import { deliver, waitFor } from '@shop/events/src/testing';
import { Order } from '@shop/order/src/entities/order.entity';
import { OrderTransition } from '@shop/order/src/entities/order-transition.entity';
import { customer } from '@shop/platform/src/testing';
import type { GatewayHandles } from '../gateway';
import { SubscriptionTestStack, type TestCheckout, Watched, closeBrokerConnection, connectClient } from './testing';

// orderStatusChanged through the gateway, against the real product, checkout and order subgraphs:
// orders are created by the order service from CreateOrder, then moved as the order service moves
// them (row and history), and their events published as order-service, in whatever order a test needs.

const GAP_TIMEOUT_MS = 1_000;

const WATCH_ORDER = `subscription ($id: ID) { orderStatusChanged(orderId: $id) { id status } }`;
const WATCH_MY_ORDERS = `subscription { orderStatusChanged { id status } }`;

type MovedStatus = 'SHIPPED' | 'FAILED' | 'REFUNDED';

describe('orderStatusChanged', () => {
  let stack: SubscriptionTestStack;
  let gateway: GatewayHandles;
  const orderOutbox = new Outbox('order-service');

  beforeAll(async () => {
    stack = await SubscriptionTestStack.start('gwo');
    gateway = await stack.startGateway({ gapTimeoutMs: GAP_TIMEOUT_MS });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  let customerCount = 0;
  const newCustomer = () => customer(`c-ord-${Date.now().toString(36)}-${customerCount++}`);
  const historyReads = async (reason: string) =>
    (await gateway.metrics.subscriptionHistoryReads.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  /** A PAID order (sequence 2) of this customer, created by the order service; its checkout is done (a customer has one in progress at most). */
  async function paidOrder(customerId: string): Promise<TestCheckout> {
    const checkout = await stack.createCheckout(customerId);
    await stack.createOrder(gateway, checkout);
    await stack.moveCheckout(checkout, 'COMPLETED');
    return checkout;
  }

  const openSubscriptions = () => gateway.subscriptions.registrySizes().subscriptions;

  /** A PAID order whose OrderPaid the gateway has already handed out, so that what follows is a later subscription's alone. */
  async function settledPaidOrder(identity: ReturnType<typeof customer>): Promise<TestCheckout> {
    await waitFor(() => openSubscriptions() === 0, { what: "earlier tests' subscriptions to close" });
    const { client } = await connectClient(gateway, identity);
    const created = new Watched(client, WATCH_MY_ORDERS);
    await waitFor(() => openSubscriptions() === 1, { what: 'the creation watcher' });
    const order = await paidOrder(identity.sub);
    await created.waitForMessages(1, 'OrderPaid handed out');
    client.dispose();
    await waitFor(() => openSubscriptions() === 0, { what: 'the creation watcher to go' });
    return order;
  }

  /** Moves an order as the order service does (status, version, history), and returns its event, unpublished. */
  async function moveOrder(order: TestCheckout, status: MovedStatus): Promise<Envelope> {
    const em = stack.order.service.orm.em.fork();
    const row = await em.findOneOrFail(Order, { id: order.orderId });
    row.status = status;
    row.version += 1;
    em.create(OrderTransition, { orderId: row.id, sequence: row.version, status, at: new Date() });
    await em.flush();
    const options = { sequence: row.version, correlationId: row.checkoutId };
    const { id: orderId, customerId, checkoutId } = row;
    if (status === 'SHIPPED')
      return orderOutbox.envelope(OrderShipped, { orderId, customerId, email: null, trackingNumber: 'TRK-1' }, options);
    if (status === 'FAILED')
      return orderOutbox.envelope(OrderFailed, { orderId, customerId, checkoutId, reason: 'cancelled', lines: row.lines }, options);
    return orderOutbox.envelope(
      OrderRefunded,
      { orderId, customerId, email: null, refundRef: 'ref-1', amount: row.total, currency: row.currency },
      options,
    );
  }

  /** Publishes order events as order-service, in the order given. */
  async function publish(...envelopes: Envelope[]): Promise<void> {
    const contracts = { OrderShipped, OrderFailed, OrderRefunded };
    for (const envelope of envelopes) {
      await deliver(stack.order.service.transport, contracts[envelope.eventType as keyof typeof contracts], envelope);
    }
  }

  async function watchOrder(identity = newCustomer()) {
    const order = await settledPaidOrder(identity);
    const { client, connections } = await connectClient(gateway, identity);
    const watched = new Watched(client, WATCH_ORDER, { id: order.orderId });
    await watched.waitForMessages(1, 'the current state');
    return { order, client, connections, watched, identity };
  }

  const statuses = (watched: Watched) => watched.values('orderStatusChanged').map((o) => o.status);

  it('puts changes that arrive out of order back in order, and drops stale and repeated ones, without reading history', async () => {
    const gapReadsBefore = await historyReads('gap');
    const { order, client, watched } = await watchOrder();
    const shipped = await moveOrder(order, 'SHIPPED');
    const refunded = await moveOrder(order, 'REFUNDED');
    await publish(refunded);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(statuses(watched)).toEqual(['PAID']);
    await publish(shipped, shipped, refunded);
    await watched.waitForMessages(3);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(watched.values('orderStatusChanged')).toEqual([
      { id: order.orderId, status: 'PAID' },
      { id: order.orderId, status: 'SHIPPED' },
      { id: order.orderId, status: 'REFUNDED' },
    ]);
    expect(await historyReads('gap')).toBe(gapReadsBefore);
    expect(watched.completed).toBe(false);
    client.dispose();
  });

  it('fills a gap that never fills from the order history, in order, exactly once', async () => {
    const gapReadsBefore = await historyReads('gap');
    const { order, client, watched } = await watchOrder();
    await moveOrder(order, 'SHIPPED'); // its event is lost
    const refunded = await moveOrder(order, 'REFUNDED');
    await publish(refunded, refunded);
    await watched.waitForMessages(3, 'the missing change from history');
    await new Promise((resolve) => setTimeout(resolve, GAP_TIMEOUT_MS + 200));
    expect(statuses(watched)).toEqual(['PAID', 'SHIPPED', 'REFUNDED']);
    expect(await historyReads('gap')).toBe(gapReadsBefore + 1);
    expect(gateway.subscriptions.registrySizes().timers).toBe(0);
    client.dispose();
  });

  it("of the caller's orders: each change after subscribing once, in order per order, and one an event skipped from history", async () => {
    const identity = newCustomer();
    const before = await settledPaidOrder(identity); // PAID before the subscription: not sent
    const { client } = await connectClient(gateway, identity);
    const watched = new Watched(client, WATCH_MY_ORDERS);
    await waitFor(() => gateway.subscriptions.registrySizes().subscriptions >= 1, { what: 'the subscription' });
    const after = await paidOrder(identity.sub);
    await watched.waitForMessages(1, 'the new order, PAID');
    // The first event heard of `before` is its third change: the history says SHIPPED came first, after subscribing.
    await moveOrder(before, 'SHIPPED');
    await publish(await moveOrder(before, 'FAILED'));
    await watched.waitForMessages(3);
    await publish(await moveOrder(after, 'SHIPPED'));
    await watched.waitForMessages(4);
    expect(watched.values('orderStatusChanged')).toEqual([
      { id: after.orderId, status: 'PAID' },
      { id: before.orderId, status: 'SHIPPED' },
      { id: before.orderId, status: 'FAILED' },
      { id: after.orderId, status: 'SHIPPED' },
    ]);
    client.dispose();
  });

  it('after losing its broker connection (and its queue with it), sends every change missed meanwhile, to both kinds of subscriber', async () => {
    const reconnectReadsBefore = await historyReads('reconnect');
    const { order, client, connections, watched, identity } = await watchOrder();
    const mine = new Watched(client, WATCH_MY_ORDERS);
    await waitFor(() => gateway.subscriptions.registrySizes().subscriptions >= 2, { what: 'both subscriptions' });
    await closeBrokerConnection(stack.prefix + gateway.subscriptions.instanceName);
    await waitFor(() => !gateway.subscriptions.isConnected(), { what: 'the gateway to notice the lost connection' });
    // Published while the gateway has no queue: these events never reach it.
    await publish(await moveOrder(order, 'SHIPPED'), await moveOrder(order, 'REFUNDED'));
    await watched.waitForMessages(3, 'the missed changes');
    await mine.waitForMessages(2, 'the missed changes');
    expect(statuses(watched)).toEqual(['PAID', 'SHIPPED', 'REFUNDED']);
    expect(mine.values('orderStatusChanged')).toEqual([
      { id: order.orderId, status: 'SHIPPED' },
      { id: order.orderId, status: 'REFUNDED' },
    ]);
    expect(await historyReads('reconnect')).toBeGreaterThanOrEqual(reconnectReadsBefore + 2);
    expect(gateway.subscriptions.isConnected()).toBe(true);
    expect(connections()).toBe(1); // the client's socket was never affected

    // Live events flow again through the new queue.
    const next = await paidOrder(identity.sub);
    await mine.waitForMessages(3);
    expect(mine.values('orderStatusChanged')[2]).toEqual({ id: next.orderId, status: 'PAID' });
    expect(statuses(watched)).toHaveLength(3);
    client.dispose();
  });
});
