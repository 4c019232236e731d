import { randomUUID } from 'node:crypto';
import {
  INTERNAL_HEADERS,
  type Identity,
  SERVICE_NAMES,
  SIGNATURE_LIFETIME_MS,
  type ServiceName,
  signInternalRequest,
} from '@shop/platform';
import { type Shop, startShop } from '../world/shop';

// Door: subgraphs answer only requests signed with INTERNAL_SIGNING_KEY over identity, caller,
// time, method, path and body. Every attack below, on every subgraph, on `_service` and
// `_entities` alike, must get 401 and no data; the same request signed properly gets 200.

const alice: Identity = { sub: 'sec-alice', role: 'customer' };
const admin: Identity = { sub: 'sec-admin', role: 'admin' };

/** One reference each subgraph with entities can be asked to resolve. */
const representationOf: Partial<Record<ServiceName, Record<string, string>>> = {
  product: { __typename: 'Product', sku: 'SEC-1' },
  inventory: { __typename: 'Product', sku: 'SEC-1' },
  cart: { __typename: 'Product', sku: 'SEC-1' },
  order: { __typename: 'Order', id: randomUUID() },
  payment: { __typename: 'Order', id: randomUUID() },
  checkout: { __typename: 'Checkout', id: randomUUID() },
};

const queries = {
  _service: () => JSON.stringify({ query: '{ _service { sdl } }' }),
  _entities: (service: ServiceName) =>
    JSON.stringify({
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
      variables: { r: [representationOf[service]] },
    }),
};

type Query = keyof typeof queries;

interface Forged {
  headers: Record<string, string>;
  body: string;
}

type Sign = (body: string, options?: { key?: string; identity?: Identity | null; at?: number }) => Record<string, string>;

const encoded = (identity: Identity) => Buffer.from(JSON.stringify(identity)).toString('base64url');

/** Each attack turns a body into a request someone without the key (or with an old request) could send. */
const attacks: [string, (body: string, sign: Sign) => Forged][] = [
  ['unsigned', (body) => ({ headers: {}, body })],
  ['an identity header alone, claiming admin', (body) => ({ headers: { [INTERNAL_HEADERS.identity]: encoded(admin) }, body })],
  ['signed with another key', (body, sign) => ({ headers: sign(body, { key: 'not-the-internal-signing-key' }), body })],
  ['body changed after signing', (body, sign) => ({ headers: sign(body), body: `${body} ` })],
  ['body of another request', (body, sign) => ({ headers: sign(JSON.stringify({ query: '{ __typename }' })), body })],
  ['replayed after its lifetime', (body, sign) => ({ headers: sign(body, { at: Date.now() - SIGNATURE_LIFETIME_MS - 5_000 }), body })],
  ['dated in the future', (body, sign) => ({ headers: sign(body, { at: Date.now() + SIGNATURE_LIFETIME_MS + 5_000 }), body })],
  [
    'identity swapped for admin',
    (body, sign) => ({ headers: { ...sign(body, { identity: alice }), [INTERNAL_HEADERS.identity]: encoded(admin) }, body }),
  ],
  [
    'anonymous signature given an identity',
    (body, sign) => ({ headers: { ...sign(body, { identity: null }), [INTERNAL_HEADERS.identity]: encoded(alice) }, body }),
  ],
  ['caller swapped', (body, sign) => ({ headers: { ...sign(body), [INTERNAL_HEADERS.caller]: 'cart-service' }, body })],
  ['timestamp moved', (body, sign) => ({ headers: { ...sign(body), [INTERNAL_HEADERS.timestamp]: String(Date.now() + 1) }, body })],
  ['signature not hex', (body, sign) => ({ headers: { ...sign(body), [INTERNAL_HEADERS.signature]: 'not-a-signature' }, body })],
  [
    'signature truncated',
    (body, sign) => ({
      headers: { ...sign(body), [INTERNAL_HEADERS.signature]: sign(body)[INTERNAL_HEADERS.signature].slice(0, 32) },
      body,
    }),
  ],
];

describe('internal signatures on every subgraph', () => {
  let shop: Shop;
  let sign: Sign;

  beforeAll(async () => {
    shop = await startShop({ label: 'sec_signatures' });
    const key = shop.services.product!.config.internalSigningKey;
    sign = (body, options = {}) =>
      signInternalRequest(
        options.key ?? key,
        { caller: 'gateway', identity: options.identity === undefined ? alice : options.identity, method: 'POST', path: '/graphql', body },
        options.at,
      );
  });

  afterAll(async () => {
    await shop?.close();
  });

  const post = async (service: ServiceName, { headers, body }: Forged) => {
    const response = await fetch(shop.urls[service], { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, json: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
  };

  // Every subgraph's `_service`, and `_entities` wherever there are entities.
  const cases: [ServiceName, Query][] = [
    ...SERVICE_NAMES.map((service): [ServiceName, Query] => [service, '_service']),
    ...SERVICE_NAMES.filter((service) => representationOf[service]).map((service): [ServiceName, Query] => [service, '_entities']),
  ];

  it.each(cases)('%s answers a properly signed %s query', async (service, query) => {
    const body = queries[query](service);
    const { status, json } = await post(service, { headers: sign(body), body });
    expect(status).toBe(200);
    expect(json.data).toBeTruthy();
  });

  describe.each(cases)('%s refuses a forged %s query', (service, query) => {
    it.each(attacks)('%s: 401, no data', async (_attack, forge) => {
      const { status, json } = await post(service, forge(queries[query](service), sign));
      expect(status).toBe(401);
      expect(json.data).toBeUndefined();
      expect(json.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });
  });
});
