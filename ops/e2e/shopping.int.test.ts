import { randomUUID } from 'node:crypto';
import { waitFor } from '@shop/events/src/testing';
import type { Identity } from '@shop/platform';
import { ok as answerOf } from '../world/requests';
import { type Shop, startShop } from '../world/shop';

// What an app does before checkout, through the gateway with every service running on the real
// PostgreSQL and RabbitMQ: browse, fill a cart, watch prices follow the catalogue.

const admin: Identity = { sub: 'e2e-admin', role: 'admin' };

describe('shopping through the gateway', () => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await startShop({ label: 'e2e_shopping' });
  });

  afterAll(async () => {
    await shop?.close();
  });

  const customer = (): Identity => ({ sub: `c-${randomUUID().slice(0, 8)}`, role: 'customer' });

  const ok = <T>(query: string, variables: Record<string, unknown> = {}, identity: Identity | null = null) =>
    answerOf<T>(shop, query, variables, identity);

  async function product(stock: number, price = '10.00'): Promise<string> {
    const sku = `SHOP-${randomUUID().slice(0, 8)}`;
    await ok(
      `mutation ($i: CreateProductInput!) { createProduct(input: $i) { sku } }`,
      { i: { sku, name: `Thing ${sku}`, price, currency: 'GBP' } },
      admin,
    );
    await waitFor(
      async () => !(await shop.query(`mutation { setStock(sku: "${sku}", available: ${stock}) { available } }`, {}, admin)).errors,
      {
        what: 'the stock row',
      },
    );
    return sku;
  }

  interface CartView {
    myCart: {
      lines: {
        sku: string;
        quantity: number;
        unitPrice: { amount: string };
        product: { name: string; stock: { available: number } } | null;
      }[];
      total: { amount: string };
    };
  }
  const cartOf = (who: Identity) =>
    ok<CartView>(
      '{ myCart { lines { sku quantity unitPrice { amount } product { name stock { available } } } total { amount } } }',
      {},
      who,
    );

  it('reads a product with its stock in one query, without a token', async () => {
    const sku = await product(7, '12.50');
    expect(await ok(`{ product(sku: "${sku}") { sku price { amount currency } stock { available reserved sold } } }`)).toEqual({
      product: { sku, price: { amount: '12.50', currency: 'GBP' }, stock: { available: 7, reserved: 0, sold: 0 } },
    });
  });

  it('resolves cart lines with product data through federation, and refuses more than the stock', async () => {
    const sku = await product(3, '5.25');
    const who = customer();
    await ok(`mutation { addToCart(sku: "${sku}", quantity: 2) { total { amount } } }`, {}, who);
    expect((await cartOf(who)).myCart).toEqual({
      lines: [{ sku, quantity: 2, unitPrice: { amount: '5.25' }, product: { name: `Thing ${sku}`, stock: { available: 3 } } }],
      total: { amount: '10.50' },
    });
    const tooMany = await shop.query(`mutation { addToCart(sku: "${sku}", quantity: 2) { total { amount } } }`, {}, who);
    expect(tooMany.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await cartOf(who)).myCart.lines[0].quantity).toBe(2);
  });

  it('brings a price change to every cart holding the SKU within 2 s, and drops a deactivated product', async () => {
    const sku = await product(10, '20.00');
    const [first, second] = [customer(), customer()];
    await ok(`mutation { addToCart(sku: "${sku}", quantity: 1) { total { amount } } }`, {}, first);
    await ok(`mutation { addToCart(sku: "${sku}", quantity: 3) { total { amount } } }`, {}, second);
    const changedAt = Date.now();
    await ok(`mutation { changePrice(sku: "${sku}", price: "17.99") { price { amount } } }`, {}, admin);
    await waitFor(
      async () => (await cartOf(first)).myCart.total.amount === '17.99' && (await cartOf(second)).myCart.total.amount === '53.97',
      { timeoutMs: 2_000, intervalMs: 25, what: 'both carts repriced' },
    );
    expect(Date.now() - changedAt).toBeLessThan(2_000);
    await ok(`mutation { deactivateProduct(sku: "${sku}") { active } }`, {}, admin);
    await waitFor(async () => (await cartOf(first)).myCart.lines.length === 0 && (await cartOf(second)).myCart.lines.length === 0, {
      what: 'the lines dropped',
    });
  });

  it('keeps customers out of each other’s carts and orders, and needs a token for them', async () => {
    const anonymous = await shop.query('{ myCart { total { amount } } }');
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const order = await shop.query(`query ($id: ID!) { order(id: $id) { id } }`, { id: randomUUID() }, customer());
    expect(order).toMatchObject({ data: { order: null }, errors: [{ extensions: { code: 'NOT_FOUND' } }] });
    const customers = await shop.query('{ orders { items { id } } }', {}, customer());
    expect(customers.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('blanks only the fields of a subgraph that is down, and recovers when it is back', async () => {
    const sku = await product(4);
    await shop.stop('inventory');
    try {
      const result = await shop.query<{ product: { sku: string; name: string; stock: unknown } }>(
        `{ product(sku: "${sku}") { sku name stock { available } } }`,
      );
      expect(result.data?.product).toEqual({ sku, name: `Thing ${sku}`, stock: null });
      expect(result.errors?.length).toBeGreaterThan(0);
    } finally {
      await shop.start('inventory');
    }
    expect(await ok(`{ product(sku: "${sku}") { stock { available } } }`)).toEqual({ product: { stock: { available: 4 } } });
  });

  it('refuses a direct unsigned call to any subgraph', async () => {
    for (const service of Object.values(shop.services)) {
      const response = await fetch(service.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      expect(response.status).toBe(401);
    }
  });
});
