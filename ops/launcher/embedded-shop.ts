import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InMemoryTransport, createLogger } from '@shop/events';
import type { TestDatabase } from '@shop/events/src/testing';
import { SERVICE_NAMES, type ServiceName } from '@shop/platform';
import { type Shop, startShop } from '../world/shop';

// The whole system in this process with nothing installed but Node: each service on its own
// embedded PostgreSQL (PGlite, served on a free local port through its socket server) and every
// message through the in-process broker.

/** What this mode does not promise, said at start (and in the README). */
export const EMBEDDED_LIMITS = [
  'one process: every service and the gateway live and die together, and nothing restarts a service that fails;',
  'no durable broker: messages live in memory, so those in flight when it stops are gone (a checkout under way then fails at its deadline);',
  'one connection per database: each PGlite serves one at a time (DB_POOL_MAX=1; the outbox relay polls instead of LISTEN/NOTIFY);',
  'not for production, load tests or benchmarks: for trying the shop and developing against it.',
];

export interface EmbeddedShopOptions {
  /** Where the databases live, one folder per service; they are kept when the shop stops. */
  dataDir: string;
  /** The gateway's port (0: a free one). */
  gatewayPort: number;
  /** Environment for every service, e.g. CHECKOUT_STEP_TIMEOUT_MS. */
  env?: Record<string, string>;
  /** Called as each service's database is ready: opening them is the slow part of the start. */
  onDatabaseReady?: (name: ServiceName) => void;
}

/** Starts the whole system in this process on embedded PostgreSQL and the in-process broker. */
export async function startEmbeddedShop(options: EmbeddedShopOptions): Promise<Shop> {
  const databases = await startEmbeddedPostgres(options);
  const broker = new InMemoryTransport(createLogger('in-process-broker'));
  try {
    return await startShop({
      label: 'embedded',
      // PGlite takes one connection: the pool holds one, which also turns the relay's LISTEN off.
      env: { ...options.env, DB_POOL_MAX: '1' },
      transport: broker,
      gatewayPort: options.gatewayPort,
      database: async (name) => databases[name],
    });
  } catch (err) {
    await broker.close();
    for (const database of Object.values(databases)) await database.drop();
    throw err;
  }
}

/**
 * Every service's PGlite on its data folder (created, or opened as the last run left it), served
 * on a free local port by one worker thread (embedded-postgres-worker.mjs). Each URL names the one
 * database PGlite has; `drop` stops serving it and closes it, keeping the data.
 */
async function startEmbeddedPostgres(options: EmbeddedShopOptions): Promise<Record<ServiceName, TestDatabase>> {
  const dataDirs = Object.fromEntries(SERVICE_NAMES.map((name) => [name, join(options.dataDir, name)]));
  const worker = new Worker(join(__dirname, 'embedded-postgres-worker.mjs'), { workerData: { dataDirs } });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  const closing = new Map<string, () => void>();
  const databases = {} as Record<ServiceName, TestDatabase>;
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { ready?: ServiceName; url?: string; closed?: string }) => {
      if (message.closed) closing.get(message.closed)?.();
      if (!message.ready || !message.url) return;
      const name = message.ready;
      databases[name] = {
        name: `${name} (embedded)`,
        url: message.url,
        drop: async () => {
          await new Promise<void>((closed) => {
            closing.set(name, closed);
            worker.postMessage({ close: name });
          });
          if (Object.keys(databases).every((other) => closing.has(other))) await exited;
        },
      };
      options.onDatabaseReady?.(name);
      if (Object.keys(databases).length === SERVICE_NAMES.length) resolve();
    });
    worker.once('error', (err) => reject(new Error(`the embedded PostgreSQL did not start (data in ${options.dataDir}): ${err.message}`)));
    exited.then((code) => reject(new Error(`the embedded PostgreSQL stopped while starting (exit code ${code})`)));
  });
  return databases;
}
