import { randomUUID } from 'node:crypto';
import { admin } from '@shop/platform/src/testing';
import type { GatewayHandles } from '../gateway';
import { SubscriptionTestStack, ask, tokenFor } from '../subscriptions/testing';
import { upgradeFrom } from './testing';

// The HTTP door of the gateway: GraphQL over HTTP conformance at /graphql (every MUST and SHOULD
// of the specification that a request can show), CSRF prevention, CORS with an allowlist, and the
// Origin check of WebSocket upgrades.

const JSON_TYPE = 'application/json';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const LISTED_ORIGIN = 'https://shop.example';
const FOREIGN_ORIGIN = 'https://evil.example';

interface Exchange {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } | undefined;
}

describe('the HTTP door', () => {
  let stack: SubscriptionTestStack;
  let gateway: GatewayHandles;
  let withAllowlist: GatewayHandles;

  beforeAll(async () => {
    stack = await SubscriptionTestStack.start('sec_http');
    gateway = await stack.startGateway();
    withAllowlist = await stack.startGateway({}, { env: { ...process.env, CORS_ORIGINS: `${LISTED_ORIGIN}, https://admin.shop.example` } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function exchange(url: string, init: RequestInit = {}): Promise<Exchange> {
    const response = await fetch(url, init);
    const text = await response.text();
    let body: Exchange['body'];
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, text, body };
  }
  const post = (body: unknown, headers: Record<string, string> = {}, url = gateway.url) =>
    exchange(url, {
      method: 'POST',
      headers: { 'content-type': JSON_TYPE, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (parameters: Record<string, string>, headers: Record<string, string> = {}) =>
    exchange(`${gateway.url}?${new URLSearchParams(parameters)}`, { headers });
  const productCount = async (sku: string) =>
    (await ask(gateway, admin, `query ($sku: ID!) { product(sku: $sku) { sku } }`, { sku })).data?.product ? 1 : 0;
  const createProduct = (sku: string) => ({
    query: `mutation ($input: CreateProductInput!) { createProduct(input: $input) { sku } }`,
    variables: { input: { sku, name: 'Forged', price: '1.00', currency: 'GBP' } },
  });

  describe('GraphQL over HTTP', () => {
    const typename = { query: '{ __typename }' };
    // Status, response media type, and whether the body carries `data`, for each kind of request and Accept header.
    const table: [string, () => Promise<Exchange>, number, string, boolean][] = [
      [
        'a query, accepting application/graphql-response+json',
        () => post(typename, { accept: GRAPHQL_RESPONSE }),
        200,
        GRAPHQL_RESPONSE,
        true,
      ],
      ['a query, accepting application/json', () => post(typename, { accept: JSON_TYPE }), 200, JSON_TYPE, true],
      ['a query, accepting */*', () => post(typename, { accept: '*/*' }), 200, JSON_TYPE, true],
      ['a query without Accept', () => post(typename), 200, JSON_TYPE, true],
      ['a query in UTF-8, said so', () => post(typename, { 'content-type': `${JSON_TYPE}; charset=utf-8` }), 200, JSON_TYPE, true],
      ['a query by GET', () => get({ query: '{ __typename }' }, { 'apollo-require-preflight': '1' }), 200, JSON_TYPE, true],
      [
        'a query by GET with URL-encoded JSON variables',
        () =>
          get(
            { query: 'query ($n: String!) { __type(name: $n) { name } }', variables: '{"n":"Product"}' },
            { 'apollo-require-preflight': '1' },
          ),
        200,
        JSON_TYPE,
        true,
      ],
      ...(['variables', 'operationName', 'extensions'] as const).map(
        (parameter): [string, () => Promise<Exchange>, number, string, boolean] => [
          `null ${parameter}`,
          () => post({ ...typename, [parameter]: null }, { accept: GRAPHQL_RESPONSE }),
          200,
          GRAPHQL_RESPONSE,
          true,
        ],
      ),
      ['a map of extensions', () => post({ ...typename, extensions: { some: 'value' } }), 200, JSON_TYPE, true],
      ['a named operation', () => post({ query: 'query Q { __typename }', operationName: 'Q' }), 200, JSON_TYPE, true],
      // Requests GraphQL refuses: 200 for application/json, 400 for application/graphql-response+json; never `data`.
      ...(
        [
          ['a document that does not parse', { query: '{' }],
          ['a document that does not validate', { query: '{ f8f31403dfe404bccbb0e835f2629c6a7 }' }],
          ['variables that do not coerce', { query: 'query ($n: Int!) { __typename }', variables: { n: 'seven' } }],
          ['a document of two operations and no operationName', { query: 'query A { __typename } query B { __typename }' }],
          ['an operationName the document does not have', { query: 'query A { __typename }', operationName: 'B' }],
          ['a subscription, which only graphql-ws serves', { query: 'subscription { productChanged(skus: ["A"]) { sku } }' }],
          [
            'a subscription whose field is included by a variable',
            { query: 'query A { __typename } subscription B { productChanged(skus: ["A"]) @include(if: $x) { sku } }', operationName: 'A' },
          ],
        ] as const
      ).flatMap(([name, body]): [string, () => Promise<Exchange>, number, string, boolean][] => [
        [`${name}, accepting application/json`, () => post(body, { accept: JSON_TYPE }), 200, JSON_TYPE, false],
        [
          `${name}, accepting application/graphql-response+json`,
          () => post(body, { accept: GRAPHQL_RESPONSE }),
          400,
          GRAPHQL_RESPONSE,
          false,
        ],
      ]),
      // Requests that are not well-formed GraphQL over HTTP: 400 whatever the client accepts.
      ...(
        [
          ['a body that is not JSON', '{ "not a JSON'],
          ['no query', { notquery: '{ __typename }' }],
          ['a query that is an object', { query: { obj: 'ect' } }],
          ['a query that is a number', { query: 0 }],
          ['a query that is an array', { query: ['array'] }],
          ['an operationName that is a number', { ...typename, operationName: 0 }],
          ['variables that are a string', { ...typename, variables: 'string' }],
          ['variables that are an array', { ...typename, variables: ['array'] }],
          ['extensions that are a number', { ...typename, extensions: 0 }],
        ] as const
      ).flatMap(([name, body]): [string, () => Promise<Exchange>, number, string, boolean][] => [
        [`${name}, accepting application/json`, () => post(body, { accept: JSON_TYPE }), 400, JSON_TYPE, false],
        [
          `${name}, accepting application/graphql-response+json`,
          () => post(body, { accept: GRAPHQL_RESPONSE }),
          400,
          GRAPHQL_RESPONSE,
          false,
        ],
      ]),
      [
        'a POST without a body',
        () => exchange(gateway.url, { method: 'POST', headers: { 'content-type': JSON_TYPE } }),
        400,
        JSON_TYPE,
        false,
      ],
      ['an Accept header that allows no GraphQL response', () => post(typename, { accept: 'text/html' }), 406, JSON_TYPE, false],
    ];

    it.each(table)('%s', async (_, send, status, mediaType, hasData) => {
      const answer = await send();
      expect({ status: answer.status, contentType: answer.headers.get('content-type') }).toEqual({
        status,
        contentType: `${mediaType}; charset=utf-8`,
      });
      expect(answer.body).toBeDefined();
      if (hasData) {
        expect(answer.body).toEqual({ data: expect.anything() });
      } else {
        // The errors shape: a non-empty list of errors, each with a message.
        expect(answer.body).not.toHaveProperty('data');
        expect(answer.body?.errors).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.any(String) })]));
        expect(answer.body?.errors?.length).toBeGreaterThan(0);
      }
    });

    it('runs queries only by GET: a mutation by GET is 405 with Allow: POST, and does not run', async () => {
      const sku = `SEC-${randomUUID().slice(0, 8)}`;
      const { query, variables } = createProduct(sku);
      const answer = await get(
        { query, variables: JSON.stringify(variables) },
        { 'apollo-require-preflight': '1', accept: GRAPHQL_RESPONSE, authorization: `Bearer ${await tokenFor(gateway, admin)}` },
      );
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('POST');
      expect(await productCount(sku)).toBe(0);
    });

    it('answers 405 to a method other than GET and POST', async () => {
      const answer = await exchange(gateway.url, {
        method: 'PUT',
        headers: { 'content-type': JSON_TYPE },
        body: '{"query":"{ __typename }"}',
      });
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('GET, POST');
    });

    it('refuses an unacceptable Accept header before running anything (406: the mutation does not run)', async () => {
      const sku = `SEC-${randomUUID().slice(0, 8)}`;
      const answer = await post(createProduct(sku), { accept: 'text/html', authorization: `Bearer ${await tokenFor(gateway, admin)}` });
      expect(answer.status).toBe(406);
      expect(await productCount(sku)).toBe(0);
    });

    it('answers 200 to a response with data from the subgraphs (application/graphql-response+json)', async () => {
      const answer = await post({ query: '{ product(sku: "SEC-NONE") { sku } }' }, { accept: GRAPHQL_RESPONSE });
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { data: { product: null } } });
    });
  });

  describe('CSRF prevention', () => {
    it('refuses a GET without a header that forces a preflight, and runs nothing', async () => {
      const answer = await get({ query: '{ __typename }' });
      expect(answer.status).toBe(400);
      expect(answer.body?.errors?.[0].message).toMatch(/Cross-Site Request Forgery/);
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
      'refuses a POST a browser form could send (%s), and the mutation does not run',
      async (contentType) => {
        const sku = `SEC-${randomUUID().slice(0, 8)}`;
        const answer = await post(JSON.stringify(createProduct(sku)), {
          'content-type': contentType,
          authorization: `Bearer ${await tokenFor(gateway, admin)}`,
        });
        expect(answer.status).toBe(400);
        expect(answer.body?.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
        expect(await productCount(sku)).toBe(0);
      },
    );

    it('refuses a POST without a content type', async () => {
      const answer = await exchange(gateway.url, { method: 'POST', body: JSON.stringify({ query: '{ __typename }' }) });
      expect(answer.status).toBe(400);
    });
  });

  describe('CORS with an allowlist (CORS_ORIGINS)', () => {
    const preflight = (origin: string) =>
      exchange(withAllowlist.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });

    it('answers the preflight of a listed origin', async () => {
      const answer = await preflight(LISTED_ORIGIN);
      expect(answer.status).toBe(204);
      expect(Object.fromEntries([...answer.headers].filter(([name]) => name.startsWith('access-control-')))).toEqual({
        'access-control-allow-origin': LISTED_ORIGIN,
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type, authorization, apollo-require-preflight, x-apollo-operation-name',
        'access-control-expose-headers': 'Retry-After',
        'access-control-max-age': '600',
      });
      expect(answer.headers.get('vary')).toBe('Origin');
    });

    it('refuses the preflight of a foreign origin, granting it nothing', async () => {
      const answer = await preflight(FOREIGN_ORIGIN);
      expect(answer.status).toBe(403);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      expect(answer.body?.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    });

    it('lets a listed origin read an answer, and not a foreign one', async () => {
      const listed = await post({ query: '{ __typename }' }, { origin: LISTED_ORIGIN }, withAllowlist.url);
      expect(listed.headers.get('access-control-allow-origin')).toBe(LISTED_ORIGIN);
      const foreign = await post({ query: '{ __typename }' }, { origin: FOREIGN_ORIGIN }, withAllowlist.url);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('grants no origin CORS without an allowlist', async () => {
      const answer = await post({ query: '{ __typename }' }, { origin: LISTED_ORIGIN });
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('the Origin of a WebSocket upgrade', () => {
    it('refuses a foreign origin with 403 when an allowlist is set', async () => {
      expect(await upgradeFrom(withAllowlist, FOREIGN_ORIGIN)).toBe(403);
    });

    it('accepts a listed origin and the gateway own origin', async () => {
      expect(await upgradeFrom(withAllowlist, LISTED_ORIGIN)).toBe('open');
      expect(await upgradeFrom(withAllowlist, new URL(withAllowlist.url).origin)).toBe('open');
    });

    it('checks no origin without an allowlist outside production mode', async () => {
      expect(await upgradeFrom(gateway, FOREIGN_ORIGIN)).toBe('open');
    });
  });
});
