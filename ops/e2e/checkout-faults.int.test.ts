import { randomUUID } from 'node:crypto';
import { DuplicatingTransport } from '@shop/events/src/testing/duplicating-transport';
import { waitFor } from '@shop/events/src/testing';
import type { Identity } from '@shop/platform';
import { createStockedProduct, ok } from '../world/requests';
import { type Shop, startShop } from '../world/shop';

// The saga while things go wrong underneath it: every message delivered twice, and the checkout
// service killed with SIGKILL in the middle of a saga.

const admin: Identity = { sub: 'e2e-admin', role: 'admin' };
const customer = (): Identity => ({ sub: `c-${randomUUID().slice(0, 8)}`, role: 'customer' });

async function product(shop: Shop, stock: number): Promise<string> {
  const sku = `FLT-${randomUUID().slice(0, 8)}`;
  await createStockedProduct(shop, admin, { sku, price: '15.00', stock });
  return sku;
}

async function checkOut(shop: Shop, sku: string, quantity: number, paymentToken = 'tok_visa'): Promise<{ who: Identity; id: string }> {
  const who = customer();
  await ok(shop, `mutation { addToCart(sku: "${sku}", quantity: ${quantity}) { total { amount } } }`, {}, who);
  const { startCheckout } = await ok<{ startCheckout: { id: string } }>(
    shop,
    `mutation { startCheckout(input: { paymentToken: "${paymentToken}" }) { id } }`,
    {},
    who,
  );
  return { who, id: startCheckout.id };
}

const statusOf = async (shop: Shop, who: Identity, id: string) =>
  (await ok<{ checkout: { status: string } }>(shop, `query ($id: ID!) { checkout(id: $id) { status } }`, { id }, who)).checkout.status;

async function count(shop: Shop, service: 'payment' | 'order', sql: string): Promise<number> {
  const [row] = await shop.services[service]!.orm.em.getConnection().execute(sql);
  return Number(row.n);
}

describe('checkout with every message delivered twice', () => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await startShop({ label: 'e2e_twice', wrapTransport: (transport) => new DuplicatingTransport(transport) });
  });

  afterAll(async () => {
    await shop?.close();
  });

  it('charges once, reserves once and creates one order per checkout', async () => {
    const sku = await product(shop, 20);
    const checkouts = [];
    for (let i = 0; i < 5; i++) checkouts.push(await checkOut(shop, sku, 2));
    for (const { who, id } of checkouts) {
      await waitFor(async () => (await statusOf(shop, who, id)) === 'COMPLETED', { timeoutMs: 30_000, what: `checkout ${id}` });
    }
    const ids = checkouts.map((c) => `'${c.id}'`).join(',');
    expect(await count(shop, 'payment', `select count(*) as n from payments where checkout_id in (${ids})`)).toBe(5);
    expect(await count(shop, 'payment', `select count(*) as n from payments where checkout_id in (${ids}) and status = 'SUCCEEDED'`)).toBe(
      5,
    );
    expect(await count(shop, 'order', `select count(*) as n from orders where checkout_id in (${ids})`)).toBe(5);
    await waitFor(
      async () => {
        const { product: p } = await ok<{ product: { stock: { available: number; reserved: number; sold: number } } }>(
          shop,
          `{ product(sku: "${sku}") { stock { available reserved sold } } }`,
        );
        return p.stock.sold === 10 && p.stock.reserved === 0 && p.stock.available === 10;
      },
      { what: 'stock sold exactly once per checkout' },
    );
    const duplicates = await shop.services.checkout!.registry.getSingleMetric('messaging_duplicates_skipped_total')?.get();
    expect((duplicates?.values ?? []).reduce((sum, v) => sum + v.value, 0)).toBeGreaterThan(0);
  });
});

describe('checkout whose service is killed mid-saga', () => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await startShop({
      label: 'e2e_kill',
      asProcesses: ['checkout'],
      env: { PAYMENT_SLOW_MS: '2000', CHECKOUT_STEP_TIMEOUT_MS: '30000' },
    });
  });

  afterAll(async () => {
    await shop?.close();
  });

  it('finishes the saga after a SIGKILL and a restart', async () => {
    const sku = await product(shop, 5);
    const { who, id } = await checkOut(shop, sku, 1, 'tok_slow');
    await waitFor(async () => (await statusOf(shop, who, id)) === 'PROCESSING_PAYMENT', { what: 'the payment step' });
    await shop.kill('checkout');
    // The payment succeeds while the checkout service is dead; its event waits in the queue.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await shop.start('checkout');
    await waitFor(async () => (await statusOf(shop, who, id)) === 'COMPLETED', { timeoutMs: 30_000, what: 'the saga to finish' });
    const { checkout } = await ok<{ checkout: { history: { status: string }[]; order: { status: string } } }>(
      shop,
      `query ($id: ID!) { checkout(id: $id) { history { status } order { status } } }`,
      { id },
      who,
    );
    expect(checkout.history.map((h) => h.status)).toEqual(['RESERVING_STOCK', 'PROCESSING_PAYMENT', 'CREATING_ORDER', 'COMPLETED']);
    expect(checkout.order.status).toBe('PAID');
  });
});
