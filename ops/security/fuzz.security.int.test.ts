import { randomUUID } from 'node:crypto';
import { type MessageContract, catalog, exchangeOf, sourceOf } from '@shop/events';
import { publishRaw, waitFor } from '@shop/events/src/testing';
import fc from 'fast-check';
import { type Shop, startShop } from '../world/shop';
import { databaseDigest, newCustomer, settledDigest, stockedProduct, takeDeadLetters } from './support';

// Door: nothing a client or a broker user sends breaks the system. Thousands of random and mutated
// GraphQL requests at the gateway (as anonymous, a customer with an empty cart, or with a bad
// token), and random and mutated envelopes at every consumer: no 5xx, every service still answers,
// and not one row of any table changes. FUZZ_SEED replays a run; FUZZ_RUNS sets its size.

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const runs = Number(process.env.FUZZ_RUNS ?? 2000);
const envelopesPerContract = Math.max(5, Math.floor(runs / 100));

/** A SKU no product has: a mutation the fuzzer keeps valid still finds nothing to change. */
const NO_SKU = 'FUZZ-NONE';

const documents = [
  '{ products(first: 5) { items { sku name price { amount currency } stock { available reserved } } nextCursor } }',
  'query P($sku: ID!) { product(sku: $sku) { sku name description active price { amount } } }',
  '{ myCart { customerId lines { sku quantity product { name } unitPrice { amount } } total { amount currency } updatedAt } }',
  'query O($id: ID!) { order(id: $id) { id status lines { sku } payment { ref status } } }',
  '{ myOrders(first: 3) { items { id total { amount } payment { status } } nextCursor } }',
  'query C($id: ID!) { checkout(id: $id) { id status order { id } payment { ref } history { status at } } }',
  '{ myCheckouts(first: 2, after: "abc") { items { id status } } }',
  '{ orders(status: PAID) { items { id customerId } } }',
  'mutation A($sku: ID!, $q: Int!) { addToCart(sku: $sku, quantity: $q) { total { amount } } }',
  `mutation { updateCartLine(sku: "${NO_SKU}", quantity: 2) { lines { sku } } }`,
  `mutation { removeFromCart(sku: "${NO_SKU}") { lines { sku } } }`,
  'mutation S($i: CheckoutInput!) { startCheckout(input: $i) { id status } }',
  `mutation { setStock(sku: "${NO_SKU}", available: 5) { available } }`,
  'mutation { createProduct(input: { sku: "FUZZ-1", name: "x", price: "1.00" }) { sku } }',
  `mutation { changePrice(sku: "${NO_SKU}", price: "2.00") { sku } }`,
  `mutation { shipOrder(id: "${randomUUID()}", trackingNumber: "T") { id } }`,
  'query F { product(sku: "A") { ...Parts ... on Product { sku } } } fragment Parts on Product { name price { amount } }',
  '{ __schema { types { name fields { name } } } }',
  '{ __typename }',
  '{ _service { sdl } }',
  'subscription { productChanged(skus: ["A"]) { sku } }',
  'query D($skip: Boolean!) { products @skip(if: $skip) { items { sku } } }',
];

const tokens = [
  ...'{ } ( ) [ ] : $ ! = | & ... " """ # , \\ \u0000 \ud800'.split(' '),
  ...'query mutation subscription fragment on __typename __schema null true false -1 0 1e309 2147483648 products order myCart'.split(' '),
  '__type(name: "Order")',
  '"A"',
  '@skip(if: true)',
  '@include(if: $x)',
  '@deprecated',
  'a: __typename',
  '{ a { b { c { d { e } } } } }',
  'x'.repeat(300),
];

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 10 })),
  }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
);

type Edit = { kind: 'delete' | 'duplicate'; at: number; length: number } | { kind: 'insert'; at: number; text: string };

function applyEdits(document: string, edits: Edit[]): string {
  return edits.reduce((text, e) => {
    const at = text.length === 0 ? 0 : e.at % text.length;
    if (e.kind === 'insert') return text.slice(0, at) + e.text + text.slice(at);
    if (e.kind === 'delete') return text.slice(0, at) + text.slice(at + e.length);
    return text.slice(0, at) + text.slice(at, at + e.length) + text.slice(at);
  }, document);
}

const variableValue = fc.oneof(
  fc.constantFrom(NO_SKU, 'not-a-uuid', randomUUID(), '', 'tok_visa', 'tok_declined', -1, 0, 1, 999, 1000, 2 ** 31, 1.5, null, true),
  fc.jsonValue({ maxDepth: 3 }),
);
const variables = fc.oneof(
  fc.constant(undefined),
  fc.record({ sku: fc.constant(NO_SKU), q: variableValue, id: variableValue, skip: variableValue }, { requiredKeys: [] }),
  fc.record({ i: fc.record({ paymentToken: variableValue, idempotencyKey: variableValue }, { requiredKeys: [] }) }),
  fc.dictionary(fc.string({ maxLength: 8 }), variableValue, { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const query = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(...documents), fc.array(edit, { minLength: 1, maxLength: 4 }))
      .map(([doc, edits]) => applyEdits(doc, edits)),
  },
  { weight: 2, arbitrary: fc.constantFrom(...documents) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...tokens), { maxLength: 30 }).map((parts) => parts.join(' ')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

type Caller = 'anonymous' | 'customer' | 'bad token' | 'not bearer';

const request = fc.record({
  caller: fc.constantFrom<Caller>('anonymous', 'customer', 'bad token', 'not bearer'),
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET'),
  body: fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .record(
          { query, variables, operationName: fc.option(fc.constantFrom('A', 'P', 'Nope', ''), { nil: undefined }) },
          { requiredKeys: ['query'] },
        )
        .map((b) => JSON.stringify(b)),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
  ),
  accept: fc.constantFrom('application/json', 'application/graphql-response+json', '*/*', 'text/html'),
});

/** Random envelopes, and mutated well-formed ones (with data that does not fit), for one contract. */
const envelopeFor = (contract: MessageContract) => {
  const source = contract.kind === 'event' ? sourceOf(contract.domain) : sourceOf(contract.from[0]);
  const wellFormed = () => ({
    eventId: randomUUID(),
    eventType: contract.name,
    timestamp: new Date().toISOString(),
    correlationId: randomUUID(),
    source,
    version: contract.version,
    sequence: 1,
    notAfter: new Date(Date.now() + 60_000).toISOString(),
    data: {},
  });
  const field = fc.constantFrom('eventId', 'eventType', 'timestamp', 'correlationId', 'source', 'version', 'sequence', 'notAfter', 'data');
  return fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.tuple(field, fc.jsonValue({ maxDepth: 2 })).map(([name, value]) => JSON.stringify({ ...wellFormed(), [name]: value })),
    fc.tuple(field, fc.jsonValue({ maxDepth: 2 })).map(([name, data]) => JSON.stringify({ ...wellFormed(), [name]: undefined, data })),
    fc.string({ maxLength: 100 }).map((cut) => JSON.stringify(wellFormed()).slice(0, cut.length)),
  );
};

describe(`fuzzing the gateway and the consumers (FUZZ_SEED=${seed})`, () => {
  let shop: Shop;
  let untouched: Record<string, string>;
  const customer = newCustomer('fuzz');
  const headers: Record<Caller, Record<string, string>> = { anonymous: {}, customer: {}, 'bad token': {}, 'not bearer': {} };

  beforeAll(async () => {
    shop = await startShop({ label: 'sec_fuzz' });
    await stockedProduct(shop, 5);
    headers.customer = { authorization: `Bearer ${await shop.token(customer)}` };
    headers['bad token'] = { authorization: `Bearer ${(await shop.token(customer)).slice(0, -3)}abc` };
    headers['not bearer'] = { authorization: 'Basic YWRtaW46YWRtaW4=' };
    untouched = await settledDigest(shop);
  });

  afterAll(async () => {
    await shop?.close();
  });

  const everyServiceAnswers = async () => {
    const probe = await shop.query<{ products: { items: { stock: unknown }[] } }>(
      '{ products(first: 1) { items { sku stock { available } } } }',
    );
    expect(probe.errors).toBeUndefined();
    expect(probe.data?.products.items).toHaveLength(1);
    const own = await shop.query('{ myCart { lines { sku } } myOrders { items { id } } myCheckouts { items { id } } }', {}, customer);
    expect(own.errors).toBeUndefined();
  };

  it(`answers ${runs} random and mutated requests without a 5xx and without changing a row`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ caller, method, body, accept }) => {
        const url = new URL(shop.gateway.url);
        let init: RequestInit = { method, headers: { accept, ...headers[caller] } };
        if (method === 'GET') {
          url.searchParams.set('query', body);
        } else {
          init = { ...init, headers: { ...init.headers, 'content-type': 'application/json' }, body };
        }
        const response = await fetch(url, init);
        const text = await response.text();
        if (response.status >= 500) throw new Error(`HTTP ${response.status} for ${method} ${body.slice(0, 300)}: ${text.slice(0, 300)}`);
      }),
      { seed, numRuns: runs, endOnFailure: true },
    );
    await everyServiceAnswers();
    expect(await databaseDigest(shop)).toEqual(untouched);
  });

  it('dead-letters random and mutated envelopes at every consumer, and every consumer goes on', async () => {
    const consumers = Object.values(shop.services)
      .filter((service) => service?.bus.consumer)
      .map((service) => {
        const names = new Set(service!.bus.consumer!.spec.bindings.map((b) => b.routingKey));
        return { service: service!.name, contracts: catalog.filter((contract) => names.has(contract.name)) };
      });
    const contracts = [...new Set(consumers.flatMap((c) => c.contracts))];
    const sent = contracts.map((contract) => ({
      contract,
      bodies: fc.sample(envelopeFor(contract), { seed, numRuns: envelopesPerContract }),
    }));
    await publishRaw(
      shop.prefix,
      sent.flatMap(({ contract, bodies }) =>
        bodies.map((body) => ({ exchange: exchangeOf(contract), routingKey: contract.name, body: Buffer.from(body) })),
      ),
    );
    for (const { service, contracts: consumed } of consumers) {
      const expected = sent.filter(({ contract }) => consumed.includes(contract)).reduce((n, { bodies }) => n + bodies.length, 0);
      let taken = 0;
      await waitFor(
        async () => {
          taken += (await takeDeadLetters(shop.prefix, service)).length;
          return taken >= expected;
        },
        { timeoutMs: 30_000, what: `${expected} dead letters of ${service} (FUZZ_SEED=${seed})` },
      );
    }
    await everyServiceAnswers();
    expect(await databaseDigest(shop)).toEqual(untouched);
  });
});
