import { waitFor } from '@shop/events/src/testing';
import { admin, customer } from '@shop/platform/src/testing';
import type { GatewayHandles } from '../gateway';
import { SubscriptionTestStack, Watched, closeBrokerConnection, connectClient } from './testing';

// checkoutStatusChanged through the gateway, against the real product, checkout and order
// subgraphs: checkouts are moved as the saga would move them, and their CheckoutStatusChanged
// events published as checkout-service, in whatever order a test needs.

const GAP_TIMEOUT_MS = 1_000;

const WATCH_STATUS = `subscription ($id: ID!) { checkoutStatusChanged(checkoutId: $id) { id status failureReason updatedAt } }`;

describe('checkoutStatusChanged', () => {
  let stack: SubscriptionTestStack;
  let gateway: GatewayHandles;

  beforeAll(async () => {
    stack = await SubscriptionTestStack.start('gws');
    gateway = await stack.startGateway({ gapTimeoutMs: GAP_TIMEOUT_MS });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  let customerCount = 0;
  const newCustomer = () => customer(`c-sub-${Date.now().toString(36)}-${customerCount++}`);
  const historyReads = async (reason: string) =>
    (await gateway.metrics.subscriptionHistoryReads.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  async function watch(identity = newCustomer(), query = WATCH_STATUS, target?: GatewayHandles) {
    const checkout = await stack.createCheckout(identity.sub);
    const { client, connections } = await connectClient(target ?? gateway, identity);
    const watched = new Watched(client, query, { id: checkout.id });
    await watched.waitForMessages(1, 'the current state');
    return { checkout, client, connections, watched };
  }

  it('sends the current state first, with fields of any subgraph, then every transition in order, and completes after COMPLETED', async () => {
    const identity = newCustomer();
    const sku = await stack.createProduct(gateway, 'Lantern');
    const checkout = await stack.createCheckout(identity.sub, sku);
    await stack.createOrder(gateway, checkout);
    const { client } = await connectClient(gateway, identity);
    const watched = new Watched(
      client,
      `subscription Watch($id: ID!) {
         checkoutStatusChanged(checkoutId: $id) {
           status total { amount } lines { quantity product { name } }
           order { id status total { amount } }
         }
       }`,
      { id: checkout.id },
    );
    await watched.waitForMessages(1, 'the current state');
    expect(watched.messages[0]).toEqual({
      data: {
        checkoutStatusChanged: {
          status: 'RESERVING_STOCK',
          total: { amount: '20.00' },
          lines: [{ quantity: 2, product: { name: 'Lantern' } }],
          order: null, // set once COMPLETED
        },
      },
    });

    for (const status of ['PROCESSING_PAYMENT', 'CREATING_ORDER', 'COMPLETED'] as const) {
      await stack.publishStatus(await stack.moveCheckout(checkout, status));
    }
    await watched.ended;
    expect(watched.completed).toBe(true);
    expect(watched.values('checkoutStatusChanged').map((c) => c.status)).toEqual([
      'RESERVING_STOCK',
      'PROCESSING_PAYMENT',
      'CREATING_ORDER',
      'COMPLETED',
    ]);
    expect(watched.messages[3].data?.checkoutStatusChanged.order).toEqual({
      id: checkout.orderId,
      status: 'PAID',
      total: { amount: '20.00' },
    });
    client.dispose();
  });

  it('answers from the event alone when the selection needs nothing else, and completes after FAILED with the reason', async () => {
    const { checkout, client, watched } = await watch();
    const reads: string[] = [];
    const count = () => reads.push('read');
    stack.checkout.service.server.on('request', count);
    try {
      const processing = await stack.moveCheckout(checkout, 'PROCESSING_PAYMENT');
      const failed = await stack.moveCheckout(checkout, 'FAILED', 'payment declined');
      await stack.publishStatus(processing, failed);
      await watched.ended;
      expect(reads).toEqual([]);
      expect(watched.values('checkoutStatusChanged')).toEqual([
        expect.objectContaining({ id: checkout.id, status: 'RESERVING_STOCK', failureReason: null }),
        { id: checkout.id, status: 'PROCESSING_PAYMENT', failureReason: null, updatedAt: (processing.data as { at: string }).at },
        { id: checkout.id, status: 'FAILED', failureReason: 'payment declined', updatedAt: (failed.data as { at: string }).at },
      ]);
      expect(watched.completed).toBe(true);
    } finally {
      stack.checkout.service.server.off('request', count);
      client.dispose();
    }
  });

  it('holds a transition that arrives ahead of a missing one until the gap fills', async () => {
    const gapReadsBefore = await historyReads('gap');
    const { checkout, client, watched } = await watch();
    const processing = await stack.moveCheckout(checkout, 'PROCESSING_PAYMENT');
    const creating = await stack.moveCheckout(checkout, 'CREATING_ORDER');
    await stack.publishStatus(creating);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(watched.messages).toHaveLength(1);
    await stack.publishStatus(processing);
    await watched.waitForMessages(3);
    expect(watched.values('checkoutStatusChanged').map((c) => c.status)).toEqual([
      'RESERVING_STOCK',
      'PROCESSING_PAYMENT',
      'CREATING_ORDER',
    ]);
    expect(await historyReads('gap')).toBe(gapReadsBefore);
    client.dispose();
  });

  it('fills a gap that never fills from the checkout history, in order, exactly once', async () => {
    const gapReadsBefore = await historyReads('gap');
    const { checkout, client, watched } = await watch();
    const processing = await stack.moveCheckout(checkout, 'PROCESSING_PAYMENT');
    const creating = await stack.moveCheckout(checkout, 'CREATING_ORDER');
    const completed = await stack.moveCheckout(checkout, 'COMPLETED');
    // CREATING_ORDER's event is lost; COMPLETED's comes twice.
    await stack.publishStatus(processing, completed, completed);
    await watched.ended;
    expect(watched.completed).toBe(true);
    expect(watched.values('checkoutStatusChanged')).toEqual([
      expect.objectContaining({ status: 'RESERVING_STOCK' }),
      expect.objectContaining({ status: 'PROCESSING_PAYMENT', updatedAt: (processing.data as { at: string }).at }),
      expect.objectContaining({ status: 'CREATING_ORDER', updatedAt: (creating.data as { at: string }).at }),
      expect.objectContaining({ status: 'COMPLETED', updatedAt: (completed.data as { at: string }).at }),
    ]);
    expect(await historyReads('gap')).toBe(gapReadsBefore + 1);
    client.dispose();
  });

  it('after losing its broker connection (and its queue with it), sends every transition missed meanwhile', async () => {
    const reconnectReadsBefore = await historyReads('reconnect');
    const { checkout, client, connections, watched } = await watch();
    await closeBrokerConnection(stack.prefix + gateway.subscriptions.instanceName);
    await waitFor(() => !gateway.subscriptions.isConnected(), { what: 'the gateway to notice the lost connection' });
    // Published while the gateway has no queue: these events never reach it.
    const processing = await stack.moveCheckout(checkout, 'PROCESSING_PAYMENT');
    const failed = await stack.moveCheckout(checkout, 'FAILED', 'out of stock');
    await stack.publishStatus(processing, failed);
    await watched.ended;
    expect(watched.completed).toBe(true);
    expect(watched.values('checkoutStatusChanged')).toEqual([
      expect.objectContaining({ status: 'RESERVING_STOCK' }),
      expect.objectContaining({ status: 'PROCESSING_PAYMENT', failureReason: null }),
      expect.objectContaining({ status: 'FAILED', failureReason: 'out of stock' }),
    ]);
    expect(await historyReads('reconnect')).toBeGreaterThan(reconnectReadsBefore);
    expect(gateway.subscriptions.isConnected()).toBe(true);
    expect(connections()).toBe(1); // the client's socket was never affected

    // Live events flow again through the new queue.
    const next = await watch();
    await stack.publishStatus(await stack.moveCheckout(next.checkout, 'PROCESSING_PAYMENT'));
    await next.watched.waitForMessages(2);
    expect(next.watched.values('checkoutStatusChanged')[1].status).toBe('PROCESSING_PAYMENT');
    client.dispose();
    next.client.dispose();
  });

  it("gives NOT_FOUND for another customer's checkout or an unknown one, sends nothing, and keeps the socket open", async () => {
    const owner = newCustomer();
    const theirs = await stack.createCheckout(owner.sub);
    const stranger = newCustomer();
    const { client, connections } = await connectClient(gateway, stranger);
    for (const id of [theirs.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const refused = new Watched(client, WATCH_STATUS, { id });
      await refused.ended;
      expect(refused.messages).toEqual([]);
      expect(refused.graphqlErrors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
    }
    const own = await stack.createCheckout(stranger.sub);
    const watched = new Watched(client, WATCH_STATUS, { id: own.id });
    await watched.waitForMessages(1);
    expect(watched.values('checkoutStatusChanged')[0]).toEqual(expect.objectContaining({ id: own.id, status: 'RESERVING_STOCK' }));
    expect(connections()).toBe(1);
    client.dispose();

    const asAdmin = await connectClient(gateway, admin);
    const watchedByAdmin = new Watched(asAdmin.client, WATCH_STATUS, { id: theirs.id });
    await watchedByAdmin.waitForMessages(1);
    expect(watchedByAdmin.values('checkoutStatusChanged')[0]).toEqual(expect.objectContaining({ id: theirs.id }));
    asAdmin.client.dispose();
  });

  it('serves subscribers on every gateway instance, each from its own queue', async () => {
    const second = await stack.startGateway({ gapTimeoutMs: GAP_TIMEOUT_MS });
    expect(second.subscriptions.instanceName).not.toBe(gateway.subscriptions.instanceName);
    const identity = newCustomer();
    const checkout = await stack.createCheckout(identity.sub);
    const onFirst = await connectClient(gateway, identity);
    const onSecond = await connectClient(second, identity);
    const watchers = [
      new Watched(onFirst.client, WATCH_STATUS, { id: checkout.id }),
      new Watched(onSecond.client, WATCH_STATUS, { id: checkout.id }),
    ];
    for (const watched of watchers) await watched.waitForMessages(1);
    await stack.publishStatus(await stack.moveCheckout(checkout, 'PROCESSING_PAYMENT'));
    await stack.publishStatus(await stack.moveCheckout(checkout, 'FAILED', 'declined'));
    for (const watched of watchers) {
      await watched.ended;
      expect(watched.values('checkoutStatusChanged').map((c) => c.status)).toEqual(['RESERVING_STOCK', 'PROCESSING_PAYMENT', 'FAILED']);
    }
    onFirst.client.dispose();
    onSecond.client.dispose();
  });
});
