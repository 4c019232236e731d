import { randomUUID } from 'node:crypto';
import { loadConfig } from '@shop/platform';
import { type Client, createClient } from 'graphql-ws';
import { SignJWT, exportSPKI } from 'jose';
import WebSocket from 'ws';
import type { GatewayHandles } from '../gateway';
import { SubscriptionTestStack, Watched, connectClient, wsUrl } from '../subscriptions/testing';
import { type TestJwks, startTestJwks, upgradeFrom } from './testing';

// A gateway started in production mode (NODE_ENV=production, client tokens from a JWKS), next to
// one in development mode to show what production mode takes away: introspection, field
// suggestions and stack traces, over HTTP and graphql-ws alike; and foreign origins on upgrade.

const ISSUER = 'https://id.shop.example';
const AUDIENCE = 'shop-api';

type Errors = { message: string; extensions?: Record<string, unknown> }[];

describe('production mode', () => {
  let stack: SubscriptionTestStack;
  let jwks: TestJwks;
  let production: GatewayHandles;
  let development: GatewayHandles;

  beforeAll(async () => {
    stack = await SubscriptionTestStack.start('sec_prod');
    jwks = await startTestJwks();
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      JWKS_URL: jwks.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      INTERNAL_SIGNING_KEY: 'production-signing-key-0123456789-0123456789',
      CORS_ORIGINS: '',
    };
    // The test subgraphs verify the development signing key: the gateway signs with it all the same.
    production = await stack.startGateway({}, { env, config: { internalSigningKey: loadConfig('gateway', {}).internalSigningKey } });
    development = await stack.startGateway();
  });

  afterAll(async () => {
    await stack?.stop();
    await jwks?.stop();
  });

  const tokenFromJwks = (sub: string, role: 'admin' | 'customer') =>
    jwks.sign({ sub, role, iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 }, 'ES256');
  const post = async (gateway: GatewayHandles, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown> | null; errors?: Errors } };
  };
  const errorsOf = async (gateway: GatewayHandles, body: unknown) => (await post(gateway, body)).body.errors ?? [];

  it('starts, and answers clients whose tokens come from the JWKS', async () => {
    expect(production.config.production).toBe(true);
    const sku = `PROD-${randomUUID().slice(0, 8)}`;
    const created = await post(
      production,
      {
        query: `mutation ($input: CreateProductInput!) { createProduct(input: $input) { sku } }`,
        variables: { input: { sku, name: 'Live', price: '3.00', currency: 'GBP' } },
      },
      { authorization: `Bearer ${await tokenFromJwks('ops-1', 'admin')}` },
    );
    expect(created.body).toEqual({ data: { createProduct: { sku } } });
  });

  describe('over HTTP', () => {
    it.each([
      ['__schema', '{ __schema { queryType { name } } }'],
      ['__type', '{ __type(name: "Product") { fields { name } } }'],
    ])('refuses introspection (%s)', async (_, query) => {
      expect((await post(development, { query })).body.data).toBeDefined();
      const refused = await post(production, { query });
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/introspection is not allowed/) })]);
    });

    it.each([
      ['a misspelt field', { query: '{ prodcts { items { sku } } }' }, 'Cannot query field "prodcts" on type "Query".'],
      ['a misspelt argument', { query: '{ products(frist: 2) { nextCursor } }' }, 'Unknown argument "frist" on field "Query.products".'],
      [
        'a misspelt enum value',
        { query: 'query ($status: OrderStatus) { orders(status: $status) { nextCursor } }', variables: { status: 'PAYD' } },
        'Variable "$status" got invalid value "PAYD"; Value "PAYD" does not exist in "OrderStatus" enum.',
      ],
    ])('suggests no field for %s', async (_, body, message) => {
      expect((await errorsOf(development, body))[0].message).toMatch(/Did you mean/);
      expect((await errorsOf(production, body)).map((error) => error.message)).toEqual([message]);
    });

    it('sends no stack trace with any error', async () => {
      const failing = [
        { query: '{ prodcts }' },
        { query: '{' },
        { query: 42 },
        { query: `mutation { createProduct(input: { sku: "PROD-X", name: "x", price: "1.00" }) { sku } }` },
      ];
      expect((await errorsOf(development, failing[0]))[0].extensions).toHaveProperty('stacktrace');
      for (const body of failing) {
        const errors = await errorsOf(production, body);
        expect(errors.length).toBeGreaterThan(0);
        for (const error of errors) expect(error.extensions ?? {}).not.toHaveProperty('stacktrace');
      }
    });

    it('refuses an HS256 token whose secret is a public key of the JWKS (algorithm confusion) with 401', async () => {
      const publicKeyAsSecret = new TextEncoder().encode(await exportSPKI(jwks.keys.RS256.publicKey));
      const forged = await new SignJWT({
        sub: 'ops-1',
        role: 'admin',
        iss: ISSUER,
        aud: AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 300,
      })
        .setProtectedHeader({ alg: 'HS256', kid: 'RS256' })
        .sign(publicKeyAsSecret);
      const refused = await post(production, { query: '{ __typename }' }, { authorization: `Bearer ${forged}` });
      expect(refused).toEqual({
        status: 401,
        body: { errors: [{ message: 'unauthenticated: token algorithm not allowed', extensions: { code: 'UNAUTHENTICATED' } }] },
      });
    });
  });

  describe('over graphql-ws', () => {
    let client: Client;

    beforeAll(async () => {
      const token = await tokenFromJwks('c-prod', 'customer');
      client = createClient({
        url: wsUrl(production),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        lazy: false,
        retryAttempts: 0,
      });
    });

    afterAll(async () => {
      await client?.dispose();
    });

    const watch = (query: string) => `subscription { checkoutStatusChanged(checkoutId: "${randomUUID()}") ${query} }`;

    it('suggests no field, and sends no stack trace', async () => {
      const developmentClient = (await connectClient(development, null)).client;
      try {
        const suggested = new Watched(developmentClient, watch('{ statuss }'));
        await suggested.ended;
        expect(suggested.graphqlErrors[0].message).toMatch(/Did you mean "status"/);
      } finally {
        await developmentClient.dispose();
      }
      const watched = new Watched(client, watch('{ statuss }'));
      await watched.ended;
      expect(watched.graphqlErrors).toEqual([
        { message: 'Cannot query field "statuss" on type "Checkout".', locations: expect.any(Array) },
      ]);
    });

    it('refuses introspection', async () => {
      const watched = new Watched(client, 'subscription { __schema { queryType { name } } }');
      await watched.ended;
      expect(watched.messages).toEqual([]);
      expect(watched.graphqlErrors.length).toBeGreaterThan(0);
    });

    it('refuses a WebSocket upgrade from a foreign origin, not from its own', async () => {
      expect(await upgradeFrom(production, 'https://evil.example')).toBe(403);
      expect(await upgradeFrom(production, new URL(production.url).origin)).toBe('open');
    });
  });
});
