import { randomUUID } from 'node:crypto';
import type { Identity } from '@shop/platform';
import { Client } from 'pg';
import { createStockedProduct, ok } from '../world/requests';
import type { Shop } from '../world/shop';

// The load every fault scenario runs: customers with a cart each, starting their checkouts at a
// steady rate through the gateway, and retrying (with the same idempotency key) while the fault
// makes the gateway or a service refuse them.

const admin: Identity = { sub: 'faults-admin', role: 'admin' };
export const INITIAL_STOCK = 100_000;
const SKU_COUNT = 8;
const START_GIVE_UP_MS = 180_000;
const PREPARE_CONCURRENCY = 8;

export interface Customer {
  who: Identity;
  sku: string;
  quantity: number;
  paymentToken: string;
  idempotencyKey: string;
  /** Set once startCheckout answered. */
  checkoutId?: string;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Products with plenty of stock; resolves with their SKUs once inventory holds the stock. */
export async function createCatalogue(shop: Shop): Promise<string[]> {
  const skus = Array.from({ length: SKU_COUNT }, () => `FAULT-${randomUUID().slice(0, 8)}`);
  for (const sku of skus) await createStockedProduct(shop, admin, { sku, price: '12.50', stock: INITIAL_STOCK, timeoutMs: 30_000 });
  return skus;
}

/** Customers with one line in their cart; `paymentTokenOf` picks each one's payment token by its index. */
export async function prepareCustomers(
  shop: Shop,
  skus: string[],
  count: number,
  paymentTokenOf: (i: number) => string,
): Promise<Customer[]> {
  const customers: Customer[] = Array.from({ length: count }, (_, i) => ({
    who: { sub: `fault-${randomUUID()}`, role: 'customer' },
    sku: skus[i % skus.length],
    quantity: 1 + (i % 3),
    paymentToken: paymentTokenOf(i),
    idempotencyKey: randomUUID(),
  }));
  let next = 0;
  await Promise.all(
    Array.from({ length: PREPARE_CONCURRENCY }, async () => {
      while (next < customers.length) {
        const customer = customers[next++];
        await ok(
          shop,
          `mutation { addToCart(sku: "${customer.sku}", quantity: ${customer.quantity}) { total { amount } } }`,
          {},
          customer.who,
        );
      }
    }),
  );
  return customers;
}

export interface LoadResult {
  /** startCheckout calls that failed (during the fault) and were sent again. */
  retries: number;
  /** Customers whose checkout never started: the gateway kept refusing it. */
  notStarted: number;
}

/** Starts one checkout per customer, `perSecond` of them each second, each retried until it is accepted. */
export async function runLoad(shop: Shop, customers: Customer[], perSecond: number): Promise<LoadResult> {
  const started = performance.now();
  let retries = 0;
  let notStarted = 0;
  await Promise.all(
    customers.map(async (customer, i) => {
      await sleep(started + (i * 1000) / perSecond - performance.now());
      const giveUpAt = Date.now() + START_GIVE_UP_MS;
      for (;;) {
        try {
          const { startCheckout } = await ok<{ startCheckout: { id: string } }>(
            shop,
            `mutation ($input: CheckoutInput!) { startCheckout(input: $input) { id } }`,
            { input: { paymentToken: customer.paymentToken, idempotencyKey: customer.idempotencyKey } },
            customer.who,
          );
          customer.checkoutId = startCheckout.id;
          return;
        } catch {
          if (Date.now() > giveUpAt) {
            notStarted++;
            return;
          }
          retries++;
          await sleep(500);
        }
      }
    }),
  );
  return { retries, notStarted };
}

/**
 * Watches the number of completed checkouts in the checkout service's database, to tell how long
 * the system took to complete a checkout again after each repair. A poll that fails (the
 * database restarting) is skipped.
 */
export class CompletionMonitor {
  /** When the count of completed checkouts went up, in Date.now() time. */
  private readonly increases: number[] = [];
  private last = 0;
  private timer?: NodeJS.Timeout;
  private polling = Promise.resolve();

  constructor(private readonly checkoutDatabaseUrl: string) {}

  start(intervalMs = 250): void {
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll());
    }, intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  /** Seconds from the repair to the next increase of completed checkouts; undefined when none followed. */
  recoverySeconds(repairedAt: number): number | undefined {
    const next = this.increases.find((at) => at > repairedAt);
    return next === undefined ? undefined : (next - repairedAt) / 1000;
  }

  private async poll(): Promise<void> {
    const client = new Client({ connectionString: this.checkoutDatabaseUrl });
    try {
      await client.connect();
      const { rows } = await client.query(`select count(*)::int as n from checkouts where status = 'COMPLETED'`);
      if (rows[0].n > this.last) {
        this.last = rows[0].n;
        this.increases.push(Date.now());
      }
    } catch {
      // the database is restarting: the next poll will see it
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
