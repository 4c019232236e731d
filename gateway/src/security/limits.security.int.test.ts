import { randomUUID } from 'node:crypto';
import { admin, customer } from '@shop/platform/src/testing';
import type { Client } from 'graphql-ws';
import type { GatewayHandles } from '../gateway';
import { SubscriptionTestStack, Watched, ask, connectClient, rawSocket, tokenFor } from '../subscriptions/testing';

// Operation limits, request size and the mutation rate limit, attacked over HTTP and graphql-ws on
// a gateway whose limits are set low through its environment.

const STRICT_ENV = {
  GATEWAY_MAX_DEPTH: '3',
  GATEWAY_MAX_ALIASES: '2',
  GATEWAY_MAX_DIRECTIVES: '2',
  GATEWAY_MAX_TOKENS: '60',
  GATEWAY_MAX_COST: '30',
  GATEWAY_MAX_ROOT_FIELDS: '2',
  GATEWAY_MAX_BODY_BYTES: '4096',
  GATEWAY_WS_MAX_PAYLOAD_BYTES: '4096',
  GATEWAY_RATE_LIMIT_MUTATIONS_PER_MINUTE: '3',
};

const watch = (selection: string) => `subscription { checkoutStatusChanged(checkoutId: "${randomUUID()}") ${selection} }`;
const manyFields = (count: number) => Array.from({ length: count }, () => 'sku').join(' ');

describe('operation limits and rate limits', () => {
  let stack: SubscriptionTestStack;
  let gateway: GatewayHandles;
  let client: Client;

  beforeAll(async () => {
    stack = await SubscriptionTestStack.start('sec_limits');
    gateway = await stack.startGateway({}, { env: { ...process.env, ...STRICT_ENV } });
    ({ client } = await connectClient(gateway, customer('c-limits')));
  });

  afterAll(async () => {
    await client?.dispose();
    await stack?.stop();
  });

  const post = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  };

  it('reads its limits from the environment', () => {
    expect(gateway.settings.limits).toEqual({ maxDepth: 3, maxAliases: 2, maxDirectives: 2, maxTokens: 60, maxCost: 30, maxRootFields: 2 });
  });

  describe.each([
    [
      'depth',
      '{ products { items { price { amount } } } }',
      watch('{ order { total { amount } } }'),
      /^Query depth limit of 3 exceeded, found 4\.$/,
    ],
    [
      'aliases',
      '{ products { items { a: sku b: sku c: sku } } }',
      watch('{ a: id b: id c: id }'),
      /^Aliases limit of 2 exceeded, found 3\.$/,
    ],
    [
      'directives',
      '{ products { nextCursor @skip(if: false) items @include(if: true) { sku @skip(if: false) } } }',
      watch('{ id @skip(if: false) status @skip(if: false) failureReason @skip(if: false) }'),
      /^Directives limit of 2 exceeded, found 3\.$/,
    ],
    [
      'cost',
      '{ products(first: 100) { items { sku } } }',
      watch(
        '{ id status failureReason customerId createdAt updatedAt total { amount currency } lines { sku quantity } history { status at sequence } }',
      ),
      /^Query Cost limit of 30 exceeded, found [\d.]+\.$/,
    ],
    ['tokens', `{ products { items { ${manyFields(60)} } } }`, watch(`{ ${manyFields(60)} }`), /^Token limit of 60 exceeded\.$/],
  ])('%s', (_, query, subscription, message) => {
    it('refuses it over HTTP with OPERATION_LIMIT, before any subgraph is asked', async () => {
      let subgraphRequests = 0;
      const count = () => subgraphRequests++;
      stack.product.service.server.on('request', count);
      const answer = await post(JSON.stringify({ query }), { accept: 'application/graphql-response+json' }).finally(() =>
        stack.product.service.server.off('request', count),
      );
      expect(subgraphRequests).toBe(0);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        errors: [
          expect.objectContaining({
            message: expect.stringMatching(message),
            extensions: expect.objectContaining({ code: 'OPERATION_LIMIT' }),
          }),
        ],
      });
    });

    it('refuses it over graphql-ws with OPERATION_LIMIT', async () => {
      const watched = new Watched(client, subscription);
      await watched.ended;
      expect(watched.messages).toEqual([]);
      expect(watched.graphqlErrors).toEqual([
        expect.objectContaining({ message: expect.stringMatching(message), extensions: { code: 'OPERATION_LIMIT' } }),
      ]);
    });
  });

  it('refuses too many root fields over HTTP (a subscription has exactly one by the spec)', async () => {
    const answer = await post(
      JSON.stringify({ query: '{ products { nextCursor } product(sku: "x") { sku } myCheckouts { nextCursor } }' }),
    );
    expect(answer.status).toBe(200); // application/json: the errors are in the body
    expect(answer.body).toEqual({
      errors: [
        expect.objectContaining({
          message: 'Root field limit of 2 exceeded, found 3.',
          extensions: expect.objectContaining({ code: 'OPERATION_LIMIT' }),
        }),
      ],
    });
  });

  it('answers a subscription that graphql-js cannot validate with its error, over graphql-ws, and the socket stays usable', async () => {
    const watched = new Watched(client, 'subscription { productChanged(skus: ["A"]) @include(if: $x) { sku } }');
    await watched.ended;
    expect(watched.messages).toEqual([]);
    expect(watched.graphqlErrors).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining('$x') })]));
  });

  it('admits an operation within every limit, over both transports', async () => {
    expect((await post(JSON.stringify({ query: '{ products(first: 2) { items { sku } } }' }))).body).toEqual({
      data: { products: { items: expect.any(Array) } },
    });
    const checkout = await stack.createCheckout('c-limits');
    const watched = new Watched(client, `subscription ($id: ID!) { checkoutStatusChanged(checkoutId: $id) { id status } }`, {
      id: checkout.id,
    });
    await watched.waitForMessages(1);
    expect(watched.values('checkoutStatusChanged')).toEqual([{ id: checkout.id, status: 'RESERVING_STOCK' }]);
    watched.unsubscribe();
  });

  it('refuses a body over GATEWAY_MAX_BODY_BYTES with 413', async () => {
    const answer = await post(JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(5000) } }));
    expect(answer.status).toBe(413);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('closes a socket whose message is over GATEWAY_WS_MAX_PAYLOAD_BYTES (1009)', async () => {
    const closed = await rawSocket(gateway, (socket) =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(5000) } })),
    );
    expect(closed.code).toBe(1009);
  });

  describe('mutations per minute', () => {
    const createProduct = (sku: string) =>
      JSON.stringify({
        query: `mutation ($input: CreateProductInput!) { createProduct(input: $input) { sku } }`,
        variables: { input: { sku, name: 'Rate limited', price: '1.00', currency: 'GBP' } },
      });
    const asCaller = async (sub: string) => ({ authorization: `Bearer ${await tokenFor(gateway, { sub, role: 'admin' })}` });

    it('refuses a caller past its limit with RATE_LIMITED, 429 and Retry-After, without running the mutation', async () => {
      const headers = await asCaller(`admin-${randomUUID()}`);
      for (let i = 0; i < 3; i++)
        expect((await post(createProduct(`RL-${randomUUID().slice(0, 8)}`), headers)).body.errors).toBeUndefined();
      const sku = `RL-${randomUUID().slice(0, 8)}`;
      const refused = await post(createProduct(sku), headers);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(refused.body).toEqual({
        errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) })],
      });
      expect((await ask(gateway, admin, `{ product(sku: "${sku}") { sku } }`)).data).toEqual({ product: null });
      // Queries are not limited.
      expect((await post(JSON.stringify({ query: '{ __typename }' }), headers)).status).toBe(200);
    });

    it('counts each token subject on its own', async () => {
      const first = await asCaller(`admin-${randomUUID()}`);
      for (let i = 0; i < 4; i++) await post(createProduct(`RL-${randomUUID().slice(0, 8)}`), first);
      const second = await post(createProduct(`RL-${randomUUID().slice(0, 8)}`), await asCaller(`admin-${randomUUID()}`));
      expect(second.body).toEqual({ data: { createProduct: { sku: expect.any(String) } } });
    });

    it('counts anonymous callers by their address', async () => {
      const codes: string[] = [];
      for (let i = 0; i < 4; i++) codes.push((await post(createProduct(`RL-${randomUUID().slice(0, 8)}`))).body.errors[0].extensions.code);
      expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED']);
    });
  });
});
