import { waitFor } from '@shop/events/src/testing';
import { admin, customer } from '@shop/platform/src/testing';
import WebSocket from 'ws';
import { signClientToken } from '../auth';
import type { GatewayHandles } from '../gateway';
import { SubscriptionTestStack, Watched, ask, connectClient, rawSocket, tokenFor, wsUrl } from './testing';

// The graphql-ws side of the gateway: who may connect and for how long, limits, socket hygiene
// over thousands of connections, metrics, and orderStatusChanged.

const MAX_SUBSCRIPTIONS = 3;
const INIT_TIMEOUT_MS = 300;

const WATCH_CHECKOUT = `subscription ($id: ID!) { checkoutStatusChanged(checkoutId: $id) { id status } }`;

describe('subscriptions over graphql-ws', () => {
  let stack: SubscriptionTestStack;
  let gateway: GatewayHandles;

  beforeAll(async () => {
    stack = await SubscriptionTestStack.start('gwc');
    gateway = await stack.startGateway({ connectionInitTimeoutMs: INIT_TIMEOUT_MS, maxSubscriptionsPerConnection: MAX_SUBSCRIPTIONS });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  let customerCount = 0;
  const newCustomer = () => customer(`c-ws-${Date.now().toString(36)}-${customerCount++}`);
  const deliveredMessages = async () =>
    (await gateway.metrics.subscriptionMessages.get()).values.find((value) => value.labels.field === 'checkoutStatusChanged')?.value ?? 0;
  const init = (authorization?: unknown) => (socket: WebSocket) =>
    socket.send(JSON.stringify({ type: 'connection_init', payload: authorization === undefined ? {} : { authorization } }));

  describe('connection', () => {
    it.each([
      [
        'a token signed with another secret',
        () => signClientToken({ ...gateway.config.jwt, secret: 'another-secret-0123456789-0123456789' }, admin, 60),
      ],
      ['an expired token', () => tokenFor(gateway, admin, 60, Date.now() - 10 * 60_000)],
      ['a token that is not a JWT', async () => 'garbage'],
    ])('refuses %s with 4403', async (_, token) => {
      const closed = await rawSocket(gateway, init(`Bearer ${await token()}`));
      expect(closed.code).toBe(4403);
      expect(closed.reason).toMatch(/^Forbidden: token/);
    });

    it.each([
      ['a header that is not a bearer token', 'Basic YWRtaW46YWRtaW4='],
      ['an authorization that is not a string', 42],
    ])('refuses %s with 4403', async (_, authorization) => {
      expect((await rawSocket(gateway, init(authorization))).code).toBe(4403);
    });

    it('closes a socket that sends no connection_init in time with 4408', async () => {
      const startedAt = Date.now();
      const closed = await rawSocket(gateway, () => undefined);
      expect(closed.code).toBe(4408);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(INIT_TIMEOUT_MS - 50);
    });

    it('closes the socket with 4403 once its token expires', async () => {
      // Expired 28 s ago by its own clock: the 30 s clock tolerance lets it in for 2 s more.
      const token = await tokenFor(gateway, newCustomer(), 12, Date.now() - 40_000);
      const acked: string[] = [];
      const closed = await rawSocket(gateway, (socket) => {
        socket.on('message', (data) => acked.push(JSON.parse(data.toString()).type));
        init(`Bearer ${token}`)(socket);
      });
      expect(acked).toEqual(['connection_ack']);
      expect(closed).toEqual({ code: 4403, reason: 'Forbidden: token expired' });
    });

    it('lets an anonymous client connect, though not follow its orders', async () => {
      const { client } = await connectClient(gateway, null);
      const refused = new Watched(client, `subscription { orderStatusChanged { id } }`);
      await refused.ended;
      expect(refused.graphqlErrors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
      client.dispose();
    });

    it('closes a socket that sends a message over the size limit (1009)', async () => {
      const closed = await rawSocket(gateway, (socket) => {
        socket.on('message', () =>
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `# ${'x'.repeat(70 * 1024)}` } })),
        );
        init()(socket);
      });
      expect(closed.code).toBe(1009);
    });
  });

  describe('operations', () => {
    it('refuses queries and invalid documents with an error, and the socket stays open', async () => {
      const identity = newCustomer();
      const { client, connections } = await connectClient(gateway, identity);
      const query = new Watched(client, `{ myCheckouts { items { id } } }`);
      const invalid = new Watched(client, `subscription { checkoutStatusChanged(checkoutId: "x") { noSuchField } }`);
      const unparsable = new Watched(client, `subscription {`);
      await Promise.all([query.ended, invalid.ended, unparsable.ended]);
      expect(query.graphqlErrors[0].message).toMatch(/only subscriptions are served over WebSocket/);
      expect(invalid.graphqlErrors[0].message).toMatch(/Cannot query field "noSuchField" on type "Checkout"/);
      expect(unparsable.graphqlErrors[0].message).toMatch(/Syntax Error/);
      const checkout = await stack.createCheckout(identity.sub);
      const watched = new Watched(client, WATCH_CHECKOUT, { id: checkout.id });
      await watched.waitForMessages(1);
      expect(connections()).toBe(1);
      client.dispose();
    });

    it(`allows at most ${MAX_SUBSCRIPTIONS} subscriptions at once on one connection`, async () => {
      const identity = newCustomer();
      const checkout = await stack.createCheckout(identity.sub);
      const { client } = await connectClient(gateway, identity);
      const open = Array.from({ length: MAX_SUBSCRIPTIONS }, () => new Watched(client, WATCH_CHECKOUT, { id: checkout.id }));
      for (const watched of open) await watched.waitForMessages(1);
      const refused = new Watched(client, WATCH_CHECKOUT, { id: checkout.id });
      await refused.ended;
      expect(refused.graphqlErrors).toEqual([expect.objectContaining({ extensions: { code: 'OPERATION_LIMIT' } })]);
      open[0].unsubscribe();
      await waitFor(() => gateway.subscriptions.registrySizes().subscriptions === MAX_SUBSCRIPTIONS - 1, {
        what: 'one subscription fewer',
      });
      const another = new Watched(client, WATCH_CHECKOUT, { id: checkout.id });
      await another.waitForMessages(1);
      client.dispose();
    });

    it('counts open subscriptions and delivered messages in /metrics, and is ready with its broker connection', async () => {
      const identity = newCustomer();
      const checkout = await stack.createCheckout(identity.sub);
      const { client } = await connectClient(gateway, identity);
      const watched = new Watched(client, WATCH_CHECKOUT, { id: checkout.id });
      await watched.waitForMessages(1);
      const metrics = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
      expect(metrics).toMatch(/gateway_subscriptions_open\{field="checkoutStatusChanged"\} 1\n/);
      expect(metrics).toMatch(/gateway_subscription_messages_total\{field="checkoutStatusChanged"\} [1-9]/);
      const ready = await fetch(gateway.url.replace('/graphql', '/health/ready'));
      expect(await ready.json()).toEqual({ status: 'ready', checks: { supergraph: true, broker: true } });
      client.dispose();
    });
  });

  describe('orderStatusChanged', () => {
    it("sends each status change of the caller's orders, and of no one else's", async () => {
      const [buyer, other] = [newCustomer(), newCustomer()];
      const { client } = await connectClient(gateway, buyer);
      const mine = new Watched(client, `subscription { orderStatusChanged { id status } }`);
      const detailed = new Watched(client, `subscription { o: orderStatusChanged { status trackingNumber total { amount } } }`);
      await waitFor(() => gateway.subscriptions.registrySizes().subscriptions >= 2, { what: 'both subscriptions' });
      const theirs = await stack.createCheckout(other.sub);
      await stack.createOrder(gateway, theirs);
      const ours = await stack.createCheckout(buyer.sub);
      await stack.createOrder(gateway, ours);
      await mine.waitForMessages(1, 'the new order, PAID');
      await detailed.waitForMessages(1);
      expect(await ask(gateway, admin, `mutation { shipOrder(id: "${ours.orderId}", trackingNumber: "TRK-9") { status } }`)).toEqual({
        data: { shipOrder: { status: 'SHIPPED' } },
      });
      await mine.waitForMessages(2);
      await detailed.waitForMessages(2);
      expect(mine.values('orderStatusChanged')).toEqual([
        { id: ours.orderId, status: 'PAID' },
        { id: ours.orderId, status: 'SHIPPED' },
      ]);
      expect(detailed.values('o')).toEqual([
        { status: 'PAID', trackingNumber: null, total: { amount: '20.00' } },
        { status: 'SHIPPED', trackingNumber: 'TRK-9', total: { amount: '20.00' } },
      ]);
      expect(mine.completed || detailed.completed).toBe(false);
      client.dispose();
    });

    it("with an order id: its current state, then each change; another customer's order is NOT_FOUND", async () => {
      const [buyer, other] = [newCustomer(), newCustomer()];
      const ours = await stack.createCheckout(buyer.sub);
      const theirs = await stack.createCheckout(other.sub);
      // The creation's own events go out first, so that what follows is the subscription's alone.
      const { client: watcherClient } = await connectClient(gateway, buyer);
      const created = new Watched(watcherClient, `subscription { orderStatusChanged { id } }`);
      await waitFor(() => gateway.subscriptions.registrySizes().subscriptions >= 1, { what: 'the subscription' });
      await stack.createOrder(gateway, ours);
      await stack.createOrder(gateway, theirs);
      await created.waitForMessages(1);

      const { client, connections } = await connectClient(gateway, buyer);
      const query = `subscription ($id: ID) { orderStatusChanged(orderId: $id) { id status trackingNumber } }`;
      const refused = new Watched(client, query, { id: theirs.orderId });
      await refused.ended;
      expect(refused.messages).toEqual([]);
      expect(refused.graphqlErrors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);

      const watched = new Watched(client, query, { id: ours.orderId });
      await watched.waitForMessages(1, 'the current state');
      await ask(gateway, admin, `mutation { shipOrder(id: "${ours.orderId}", trackingNumber: "TRK-1") { status } }`);
      await watched.waitForMessages(2);
      expect(watched.values('orderStatusChanged')).toEqual([
        { id: ours.orderId, status: 'PAID', trackingNumber: null },
        { id: ours.orderId, status: 'SHIPPED', trackingNumber: 'TRK-1' },
      ]);
      expect(watched.completed).toBe(false);
      expect(connections()).toBe(1);
      client.dispose();
      watcherClient.dispose();
    });
  });

  it('releases the gap timer and listeners of a subscription whose socket closes while it waits for a missing transition', async () => {
    await waitFor(() => gateway.subscriptions.registrySizes().sockets === 0, { what: 'earlier sockets to close' });
    const identity = newCustomer();
    const checkout = await stack.createCheckout(identity.sub);
    const { client } = await connectClient(gateway, identity);
    const watched = new Watched(client, WATCH_CHECKOUT, { id: checkout.id });
    await watched.waitForMessages(1);
    await stack.moveCheckout(checkout, 'PROCESSING_PAYMENT'); // its event is not published
    await stack.publishStatus(await stack.moveCheckout(checkout, 'CREATING_ORDER'));
    await waitFor(() => gateway.subscriptions.registrySizes().timers === 1, { what: 'the gap timer' });
    expect(gateway.subscriptions.registrySizes()).toEqual({ sockets: 1, connections: 1, subscriptions: 1, listeners: 2, timers: 1 });
    client.dispose();
    await waitFor(() => gateway.subscriptions.registrySizes().sockets === 0, { what: 'the socket to close' });
    expect(gateway.subscriptions.registrySizes()).toEqual({ sockets: 0, connections: 0, subscriptions: 0, listeners: 0, timers: 0 });
    expect(watched.messages).toHaveLength(1);
  });

  it('leaves nothing behind after thousands of connections that come and go at every stage', async () => {
    await waitFor(() => gateway.subscriptions.registrySizes().sockets === 0, { what: 'earlier sockets to close' });
    const identity = newCustomer();
    const checkout = await stack.createCheckout(identity.sub);
    const token = await tokenFor(gateway, identity);
    const stages = ['before-ack', 'acked', 'subscribed', 'first-message', 'completed', 'terminated'] as const;
    const plan = Array.from({ length: 2_000 }, (_, i) => (i % 2 === 0 ? 'acked' : stages[(i >> 1) % stages.length]));

    const session = (leaveAt: (typeof stages)[number]) =>
      new Promise<void>((resolve, reject) => {
        const socket = new WebSocket(wsUrl(gateway), 'graphql-transport-ws');
        const subscribe = () =>
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: WATCH_CHECKOUT, variables: { id: checkout.id } } }));
        socket.on('error', reject);
        socket.on('close', () => resolve());
        socket.on('open', () => {
          socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
          if (leaveAt === 'before-ack') socket.close();
        });
        socket.on('message', (data) => {
          const { type } = JSON.parse(data.toString()) as { type: string };
          if (type === 'connection_ack') {
            if (leaveAt === 'acked') return socket.close();
            subscribe();
            if (leaveAt === 'subscribed') socket.close();
          } else if (type === 'next') {
            if (leaveAt === 'completed') socket.send(JSON.stringify({ id: '1', type: 'complete' }));
            if (leaveAt === 'terminated') socket.terminate();
            else socket.close();
          }
        });
      });

    const messagesBefore = await deliveredMessages();
    const concurrency = 40;
    for (let i = 0; i < plan.length; i += concurrency) await Promise.all(plan.slice(i, i + concurrency).map(session));

    const empty = { sockets: 0, connections: 0, subscriptions: 0, listeners: 0, timers: 0 };
    const isEmpty = () => Object.values(gateway.subscriptions.registrySizes()).every((size) => size === 0);
    await waitFor(isEmpty, { what: 'empty registries', timeoutMs: 20_000 }).catch(() => undefined);
    expect(gateway.subscriptions.registrySizes()).toEqual(empty);
    expect((await gateway.metrics.openSubscriptions.get()).values.every((value) => value.value === 0)).toBe(true);
    // Every session that waited for its first message got it.
    const answered = plan.filter((stage) => stage === 'first-message' || stage === 'completed' || stage === 'terminated').length;
    expect((await deliveredMessages()) - messagesBefore).toBeGreaterThanOrEqual(answered);
  });
});
