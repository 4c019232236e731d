import { randomUUID } from 'node:crypto';
import { ProductPriceChanged, type Delivery } from '@shop/events';
import { waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, admin, customer, startTestSubgraph } from '@shop/platform/src/testing';
import { startProductService } from './subgraph';

const create = `mutation ($input: CreateProductInput!) { createProduct(input: $input) { sku name price { amount currency } active } }`;

describe('product subgraph', () => {
  let product: TestSubgraph;

  beforeAll(async () => {
    product = await startTestSubgraph('product', startProductService);
  });

  afterAll(async () => {
    await product.stop();
  });

  const sku = () => `SKU-${randomUUID().slice(0, 8)}`;

  it('creates a product as admin and resolves it as a federation entity', async () => {
    const s = sku();
    const created = await product.query(create, { input: { sku: s, name: 'Trail shoe', price: '80', currency: 'GBP' } }, admin);
    expect(created).toEqual({
      data: { createProduct: { sku: s, name: 'Trail shoe', price: { amount: '80.00', currency: 'GBP' }, active: true } },
    });
    const entities = await product.query(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { sku name price { amount } } } }`,
      {
        r: [
          { __typename: 'Product', sku: s },
          { __typename: 'Product', sku: 'NO-SUCH-SKU' },
        ],
      },
    );
    expect(entities.data).toEqual({ _entities: [{ sku: s, name: 'Trail shoe', price: { amount: '80.00' } }, null] });
  });

  it('refuses catalogue changes to customers and to anonymous callers', async () => {
    const input = { sku: sku(), name: 'Nope', price: '1.00', currency: 'GBP' };
    expect((await product.query(create, { input }, customer('c-1'))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await product.query(create, { input }, null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await product.query(`{ product(sku: "${input.sku}") { sku } }`)).data).toEqual({ product: null });
  });

  it.each([
    [{ price: '-1.00' }, 'input.price must not be negative'],
    [{ price: 'abc' }, 'input.price: "abc" is not a non-negative decimal amount'],
    [{ price: '1.234' }, 'input.price: "1.234" has more decimals than GBP allows (2)'],
    [{ currency: 'POUNDS' }, 'currency must be a three-letter ISO 4217 code such as "GBP", not "POUNDS"'],
    [{ sku: 'has spaces' }, 'input.sku: must be letters, digits, ".", "_" or "-"'],
    [{ name: '  ' }, 'input.name: must not be empty'],
  ])('refuses bad input %j with BAD_USER_INPUT and changes nothing', async (change, message) => {
    const input = { sku: sku(), name: 'Valid', price: '1.00', currency: 'GBP', ...change };
    const result = await product.query(create, { input }, admin);
    expect(result.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
    if (!('sku' in change)) expect((await product.query(`{ product(sku: "${input.sku}") { sku } }`)).data).toEqual({ product: null });
  });

  it('changes a price and publishes ProductPriceChanged with the old and new price and a growing sequence', async () => {
    const s = sku();
    await product.query(create, { input: { sku: s, name: 'Lamp', price: '10.00', currency: 'GBP' } }, admin);
    const received: Delivery[] = [];
    await product.service.transport.consume(
      {
        name: `watch-${s}`,
        bindings: [{ exchange: 'product-events', routingKey: ProductPriceChanged.name }],
        retryDelaysMs: [],
        exclusive: true,
      },
      (d) => {
        received.push(d);
        void d.ack();
      },
    );
    const changed = await product.query(`mutation { changePrice(sku: "${s}", price: "12.5") { price { amount } } }`, {}, admin);
    expect(changed.data).toEqual({ changePrice: { price: { amount: '12.50' } } });
    await product.query(`mutation { changePrice(sku: "${s}", price: "9.99") { sku } }`, {}, admin);
    await waitFor(() => received.filter((d) => JSON.parse(d.body.toString()).data.sku === s).length === 2, { what: 'two price changes' });
    const events = received.map((d) => JSON.parse(d.body.toString())).filter((e) => e.data.sku === s);
    expect(events.map((e) => e.data)).toEqual([
      { sku: s, oldPrice: '10.00', newPrice: '12.50', currency: 'GBP' },
      { sku: s, oldPrice: '12.50', newPrice: '9.99', currency: 'GBP' },
    ]);
    expect(events[1].sequence).toBe(events[0].sequence + 1);
    expect(events[0].source).toBe('product-service');
  });

  it('gives NOT_FOUND for an unknown SKU in a mutation', async () => {
    const result = await product.query(`mutation { deactivateProduct(sku: "NOPE-404") { sku } }`, {}, admin);
    expect(result.errors?.[0]).toMatchObject({ message: 'product NOPE-404 not found', extensions: { code: 'NOT_FOUND' } });
  });

  it('hides deactivated products from the catalogue unless asked, and pages by SKU', async () => {
    const prefix = `PG-${randomUUID().slice(0, 6)}`;
    for (const n of [1, 2, 3])
      await product.query(create, { input: { sku: `${prefix}-${n}`, name: `Paged ${prefix}`, price: '1.00', currency: 'GBP' } }, admin);
    await product.query(`mutation { deactivateProduct(sku: "${prefix}-2") { active } }`, {}, admin);
    const page = `query ($search: String, $after: String, $all: Boolean) { products(search: $search, first: 1, after: $after, includeInactive: $all) { items { sku } nextCursor } }`;
    const first = await product.query<{ products: { items: { sku: string }[]; nextCursor: string } }>(page, { search: prefix });
    expect(first.data?.products.items).toEqual([{ sku: `${prefix}-1` }]);
    const second = await product.query<{ products: { items: { sku: string }[]; nextCursor: string | null } }>(page, {
      search: prefix,
      after: first.data?.products.nextCursor,
    });
    expect(second.data?.products).toEqual({ items: [{ sku: `${prefix}-3` }], nextCursor: null });
    const all = await product.query<{ products: { items: { sku: string }[] } }>(page.replace('first: 1', 'first: 10'), {
      search: prefix,
      all: true,
    });
    expect(all.data?.products.items.map((p) => p.sku)).toEqual([1, 2, 3].map((n) => `${prefix}-${n}`));
  });

  it('refuses a request without a valid internal signature with 401', async () => {
    const response = await fetch(product.service.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-internal-identity': 'forged',
        'x-internal-caller': 'gateway',
        'x-internal-timestamp': String(Date.now()),
        'x-internal-signature': 'ab'.repeat(32),
      },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
