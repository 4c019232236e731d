import type { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { Outbox, ProductCreated, RabbitMqTransport, createLogger } from '@shop/events';
import { TEST_AMQP_URL, createTestDatabase, deleteBrokerObjects, deliver, uniqueName, waitFor } from '@shop/events/src/testing';
import { metricValue, scrape } from '@shop/events/src/testing/prometheus';
import { freePort, startProcess } from '../world/shop';

// SIGTERM to a service in the middle of a stream of messages: it stops taking new ones, applies
// and acks those it holds, and exits 0 in time. Started again, it takes the rest: nothing lost,
// nothing it had applied comes back to it.

const MESSAGES = 1_500;
const BATCH = 50;

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

describe('graceful shutdown on SIGTERM', () => {
  it('finishes the messages in flight, loses none and applies none twice, and exits 0', async () => {
    const db = await createTestDatabase('shutdown_inventory');
    const prefix = `${uniqueName('shutdown')}.`;
    const port = await freePort();
    const env = { ...process.env, PORT: String(port), DATABASE_URL: db.url, QUEUE_PREFIX: prefix };
    const transport = new RabbitMqTransport({
      url: TEST_AMQP_URL,
      prefix,
      logger: createLogger('shutdown-test'),
      connectionName: `${prefix}producer`,
    });
    const inventoryDb = new Client({ connectionString: db.url });
    const children: ChildProcess[] = [];
    const count = async (sql: string) => Number((await inventoryDb.query<{ n: string }>(sql)).rows[0].n);
    try {
      children.push(await startProcess('inventory', env));
      await transport.connect();
      await inventoryDb.connect();
      const product = new Outbox('product-service');
      const skus = Array.from({ length: MESSAGES }, (_, i) => `SHUT-${i}`);
      const flowing = (async () => {
        for (let i = 0; i < skus.length; i += BATCH) {
          const envelopes = skus
            .slice(i, i + BATCH)
            .map((sku) =>
              product.envelope(ProductCreated, { sku, name: sku, description: null, price: '1.00', currency: 'GBP' }, { sequence: 1 }),
            );
          await deliver(transport, ProductCreated, ...envelopes);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();

      await waitFor(async () => (await count('select count(*) as n from processed_events')) >= 200, {
        what: 'messages to flow',
        timeoutMs: 30_000,
      });
      const exited = exitOf(children[0]);
      const signalledAt = Date.now();
      children[0].kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      const appliedByFirst = await count('select count(*) as n from processed_events');
      await flowing;

      children.push(await startProcess('inventory', env));
      await waitFor(async () => (await count('select count(*) as n from processed_events')) === MESSAGES, {
        what: 'every message to be applied',
        timeoutMs: 60_000,
      });
      const metrics = await scrape(`http://127.0.0.1:${port}/metrics`);
      const labels = { consumer: 'inventory-service', event_type: 'ProductCreated' };
      expect(metricValue(metrics, 'messaging_duplicates_skipped_total', labels) ?? 0).toBe(0);
      expect(metricValue(metrics, 'messaging_processed_total', labels)).toBe(MESSAGES - appliedByFirst);
      expect(await count('select count(*) as n from stock_items')).toBe(MESSAGES);

      const exitedAgain = exitOf(children[1]);
      children[1].kill('SIGTERM');
      expect(await exitedAgain).toEqual({ code: 0, signal: null });
    } finally {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await inventoryDb.end().catch(() => undefined);
      await transport.close();
      await db.drop();
      await deleteBrokerObjects(prefix);
    }
  }, 180_000);
});
