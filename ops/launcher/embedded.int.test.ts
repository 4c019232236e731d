import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@shop/events/src/testing';
import { type Identity, loadConfig } from '@shop/platform';
import { ok as answerOf } from '../world/requests';
import type { Shop } from '../world/shop';
import { DEMO_PRODUCTS, seedDemoCatalogueThroughGateway } from './demo-catalogue';
import { startEmbeddedShop } from './embedded-shop';

// `npm run start:embedded` as the launcher runs it: every service on embedded PostgreSQL (PGlite
// through its socket server) and the in-process broker, in this process, on free ports. Needs
// neither the shared PostgreSQL nor RabbitMQ.

jest.setTimeout(300_000);

const customer: Identity = { sub: 'embedded-buyer', role: 'customer', email: 'buyer@example.com' };

/** Whether something still accepts connections on the port. */
const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const portOf = (url: string): number => Number(new URL(url).port);

describe('the embedded start', () => {
  let dataDir: string;
  let shop: Shop | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shop-embedded-test-'));
    shop = await startEmbeddedShop({ dataDir, gatewayPort: 0 });
  });

  afterAll(async () => {
    await shop?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ok = <T>(running: Shop, query: string, variables: Record<string, unknown> = {}) => answerOf<T>(running, query, variables, customer);

  it('seeds the demo catalogue and completes a checkout through the gateway', async () => {
    const running = shop!;
    const seeded = await seedDemoCatalogueThroughGateway(running.gateway.url, loadConfig('gateway').jwt);
    expect(seeded).toEqual({ created: DEMO_PRODUCTS.map((p) => p.sku), existing: [] });

    await ok(running, 'mutation { addToCart(sku: "TRAIL-SHOE-42", quantity: 2) { total { amount } } }');
    const { startCheckout } = await ok<{ startCheckout: { id: string; total: { amount: string } } }>(
      running,
      'mutation ($input: CheckoutInput!) { startCheckout(input: $input) { id total { amount } } }',
      { input: { paymentToken: 'tok_visa' } },
    );
    expect(startCheckout.total).toEqual({ amount: '179.98' });
    const done = await waitFor(
      async () => {
        const { checkout } = await ok<{ checkout: { status: string; order: { status: string } | null } }>(
          running,
          'query ($id: ID!) { checkout(id: $id) { status order { status } } }',
          { id: startCheckout.id },
        );
        return checkout.status === 'COMPLETED' || checkout.status === 'FAILED' ? checkout : null;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the checkout to finish' },
    );
    expect(done).toEqual({ status: 'COMPLETED', order: { status: 'PAID' } });
    await waitFor(
      async () => {
        const { product } = await ok<{ product: { stock: { sold: number } } }>(
          running,
          '{ product(sku: "TRAIL-SHOE-42") { stock { sold } } }',
        );
        return product.stock.sold === 2;
      },
      { timeoutMs: 30_000, what: 'the stock confirmed' },
    );
  });

  it('stops cleanly: nothing listens any more, and the next start finds the data it left', async () => {
    const first = shop!;
    const ports = [
      portOf(first.gateway.url),
      ...Object.values(first.urls).map(portOf),
      ...Object.values(first.databases).map((d) => portOf(d.url)),
    ];
    expect(await Promise.all(ports.map(accepts))).toEqual(ports.map(() => true));
    shop = undefined;
    await first.close();
    expect(await Promise.all(ports.map(accepts))).toEqual(ports.map(() => false));

    shop = await startEmbeddedShop({ dataDir, gatewayPort: 0 });
    const seededAgain = await seedDemoCatalogueThroughGateway(shop.gateway.url, loadConfig('gateway').jwt);
    expect(seededAgain).toEqual({ created: [], existing: DEMO_PRODUCTS.map((p) => p.sku) });
    const { myOrders } = await ok<{ myOrders: { items: { status: string }[] } }>(shop, '{ myOrders(first: 5) { items { status } } }');
    expect(myOrders.items).toEqual([{ status: 'PAID' }]);
  });
});
