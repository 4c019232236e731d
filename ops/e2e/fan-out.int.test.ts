import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuplicatingTransport } from '@shop/events/src/testing/duplicating-transport';
import { waitFor } from '@shop/events/src/testing';
import type { Identity } from '@shop/platform';
import { ok as answerOf } from '../world/requests';
import { type Shop, startShop } from '../world/shop';

// The fan-out consumers, analytics and email, were added without changing any publisher: the
// publishers' code does not know them, and with every service running (each message delivered
// twice) a completed checkout shows up once in sales and sends one confirmation email.

const ROOT = join(__dirname, '..', '..');
const PUBLISHERS = ['product', 'inventory', 'cart', 'order', 'payment', 'checkout'];

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the publishers', () => {
  it('name neither analytics nor the email service anywhere in their code, schema, package or the event catalog', () => {
    const files = [...PUBLISHERS.flatMap((name) => filesUnder(join(ROOT, 'subgraphs', name))), ...filesUnder(join(ROOT, 'events', 'src'))];
    expect(files.length).toBeGreaterThan(50);
    const mentions = files.filter((file) => /analytics|@shop\/email|email-service|subgraphs\/email/i.test(readFileSync(file, 'utf8')));
    expect(mentions).toEqual([]);
  });
});

describe('fan-out through the gateway, every message delivered twice', () => {
  let shop: Shop;
  const admin: Identity = { sub: 'fan-out-admin', role: 'admin' };

  beforeAll(async () => {
    shop = await startShop({
      label: 'e2e_fanout',
      env: { EMAIL_DELIVERY_INTERVAL_MS: '100' },
      wrapTransport: (transport) => new DuplicatingTransport(transport),
    });
  });

  afterAll(async () => {
    await shop?.close();
  });

  const ok = <T>(query: string, variables: Record<string, unknown> = {}, identity: Identity | null = null) =>
    answerOf<T>(shop, query, variables, identity);

  it('shows a completed checkout in sales and conversion once, and sends one order confirmation', async () => {
    const sku = `FAN-${randomUUID().slice(0, 8)}`;
    await ok(
      `mutation ($i: CreateProductInput!) { createProduct(input: $i) { sku } }`,
      { i: { sku, name: 'Kettle', price: '24.00' } },
      admin,
    );
    await waitFor(async () => !(await shop.query(`mutation { setStock(sku: "${sku}", available: 10) { available } }`, {}, admin)).errors, {
      what: 'the stock row',
    });
    const buyer: Identity = { sub: `fan-${randomUUID().slice(0, 8)}`, role: 'customer', email: 'kettle.buyer@example.com' };
    await ok(`mutation { addToCart(sku: "${sku}", quantity: 2) { total { amount } } }`, {}, buyer);
    const { startCheckout } = await ok<{ startCheckout: { id: string } }>(
      `mutation { startCheckout(input: { paymentToken: "tok_visa" }) { id } }`,
      {},
      buyer,
    );
    const checkout = await waitFor(
      async () => {
        const { checkout: current } = await ok<{ checkout: { status: string; order: { id: string } | null } }>(
          `{ checkout(id: "${startCheckout.id}") { status order { id } } }`,
          {},
          buyer,
        );
        return current.status === 'COMPLETED' || current.status === 'FAILED' ? current : null;
      },
      { timeoutMs: 30_000, what: 'the checkout finished' },
    );
    expect(checkout?.status).toBe('COMPLETED');
    const orderId = checkout?.order?.id as string;

    const today = new Date().toISOString().slice(0, 10);
    const reports = () =>
      ok<{
        salesBySku: { sku: string; units: number; orders: number; amount: string }[];
        conversion: { checkoutsStarted: number; checkoutsCompleted: number };
      }>(
        `query ($day: String) { salesBySku(from: $day, to: $day, first: 100) { sku units orders amount } conversion(from: $day, to: $day) { checkoutsStarted checkoutsCompleted } }`,
        { day: today },
        admin,
      );
    await waitFor(async () => (await reports()).salesBySku.some((s) => s.sku === sku), {
      timeoutMs: 15_000,
      what: 'the sale in analytics',
    });

    const emails = async () =>
      (
        await ok<{ sentEmails: { items: { kind: string; to: string; status: string; orderId: string | null }[] } }>(
          '{ sentEmails(first: 100) { items { kind to status orderId } } }',
          {},
          admin,
        )
      ).sentEmails.items.filter((e) => e.orderId === orderId);
    await waitFor(async () => (await emails()).some((e) => e.status === 'SENT'), { timeoutMs: 15_000, what: 'the confirmation sent' });
    // Every message reached the consumers twice; give the second copies time to arrive and be skipped.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect((await reports()).salesBySku.filter((s) => s.sku === sku)).toEqual([{ sku, units: 2, orders: 1, amount: '48.00' }]);
    expect((await reports()).conversion).toEqual({ checkoutsStarted: 1, checkoutsCompleted: 1 });
    expect(await emails()).toEqual([{ kind: 'ORDER_CONFIRMATION', to: 'kettle.buyer@example.com', status: 'SENT', orderId }]);
    for (const name of ['analytics', 'email'] as const) {
      const duplicates = await shop.services[name]?.registry.getSingleMetric('messaging_duplicates_skipped_total')?.get();
      expect((duplicates?.values ?? []).reduce((sum, v) => sum + v.value, 0)).toBeGreaterThan(0);
    }
    const forbidden = await shop.query('{ conversion { rate } sentEmails { items { to } } }', {}, buyer);
    expect(forbidden.errors?.map((e) => e.extensions?.code).sort()).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });
});
