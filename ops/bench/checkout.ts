import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Watched, connectClient } from '@shop/gateway/src/subscriptions/testing';
import { type Identity, SERVICE_NAMES, type ServiceName } from '@shop/platform';
import type { Client } from 'graphql-ws';
import { createStockedProduct, databaseRows, ok } from '../world/requests';
import { type Shop, startShop } from '../world/shop';
import { cpuOf, cpuSince, machineCpu, pidsNamed, processCpu } from './cpu';

// `npm run bench:checkout`: many customers checking out at once through the gateway, each
// watching its checkout over graphql-ws. Every service runs as its own process; the gateway and
// the load generator share this one. Prints what it measured, then one JSON line.

/** Checked out first and not measured: a fresh process runs its first requests and messages on cold code. */
const WARMUP_CHECKOUTS = Number(process.env.BENCH_WARMUP_CHECKOUTS ?? 100);
const SATURATION_CHECKOUTS = Number(process.env.BENCH_SATURATION_CHECKOUTS ?? 400);
const SATURATION_IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 60);
const PACED_RATE = 50;
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 10);
/** Checkouts one after another once the saturation phase has settled: what one checkout takes, with no queueing. */
const ALONE_CHECKOUTS = 20;
const SKUS = 20;
const INITIAL_STOCK = 1_000_000;
const admin: Identity = { sub: 'bench-admin', role: 'admin' };

interface Shopper {
  who: Identity;
  client: Client;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 3_000));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number) => Math.round(n * 10) / 10;

async function createCatalogue(shop: Shop): Promise<string[]> {
  const skus = Array.from({ length: SKUS }, (_, i) => `BENCH-${i}`);
  for (const sku of skus) await createStockedProduct(shop, admin, { sku, price: '9.99', stock: INITIAL_STOCK });
  return skus;
}

/** Customers with one line in their cart and an open graphql-ws connection, ready to check out. */
async function prepareShoppers(shop: Shop, skus: string[], count: number): Promise<Shopper[]> {
  const shoppers: Shopper[] = [];
  for (let i = 0; i < count; i++) {
    const who: Identity = { sub: `bench-${randomUUID()}`, role: 'customer' };
    await ok(shop, `mutation { addToCart(sku: "${skus[i % skus.length]}", quantity: 1) { total { amount } } }`, {}, who);
    const { client } = await connectClient(shop.gateway, who);
    shoppers.push({ who, client });
  }
  return shoppers;
}

const WATCH = `subscription ($id: ID!) { checkoutStatusChanged(checkoutId: $id) { id status } }`;

/** startCheckout, then watch until COMPLETED or FAILED; resolves with the time from the request to the final message. */
async function checkOut(shop: Shop, shopper: Shopper): Promise<{ status: string; ms: number }> {
  const started = performance.now();
  const { startCheckout } = await ok<{ startCheckout: { id: string } }>(
    shop,
    `mutation { startCheckout(input: { paymentToken: "tok_visa" }) { id } }`,
    {},
    shopper.who,
  );
  const watched = new Watched(shopper.client, WATCH, { id: startCheckout.id });
  await watched.ended;
  const last = watched.values<{ status: string }>('checkoutStatusChanged').at(-1);
  return { status: last?.status ?? 'NONE', ms: performance.now() - started };
}

interface CostSample {
  at: number;
  machine: number;
  /** This process: the gateway and the load generator. */
  gateway: number;
  services: Record<ServiceName, number>;
  postgres: Map<number, number>;
  rabbitmq: Map<number, number>;
  /** Rows in each service's outbox (messages published) and inbox (messages consumed). */
  messages: Record<ServiceName, { published: number; consumed: number }>;
}

interface Cost {
  /** CPU milliseconds per completed checkout, by process. */
  cpuMs: Record<string, number>;
  /** Messages per completed checkout, by service. */
  messages: Record<ServiceName, { published: number; consumed: number }>;
  machineBusyCores: number;
  otherWorkCores: number;
}

/**
 * What checkouts cost, measured from here until the cost is read: the CPU of each service's
 * process, of this one (gateway and load generator), of the PostgreSQL backends serving the shop's
 * databases and of the whole broker; and how many messages each service published and consumed.
 * Where the CPU goes bounds how many checkouts two cores can take. Call the function it resolves
 * with when the load stops, and read the cost that returns once the load's queues have drained.
 */
async function measureCost(shop: Shop): Promise<() => (checkouts: number) => Promise<Cost>> {
  const services = SERVICE_NAMES.map((name) => {
    const pid = shop.pid(name);
    if (pid === undefined) throw new Error(`${name} runs in the bench's process: every service must run in its own to be measured`);
    return { name, pid };
  });
  const rabbitmq = pidsNamed('beam.smp');
  const databaseNames = SERVICE_NAMES.map((name) => shop.databases[name].name);
  const sample = async (): Promise<CostSample> => {
    const backends = await databaseRows<{ pid: number }>(
      shop.databases.checkout.url,
      'select pid from pg_stat_activity where datname = any($1)',
      [databaseNames],
    );
    const messages = {} as CostSample['messages'];
    for (const name of SERVICE_NAMES) {
      const [counts] = await databaseRows<{ published: number; consumed: number }>(
        shop.databases[name].url,
        'select (select count(*) from outbox)::int as published, (select count(*) from processed_events)::int as consumed',
      );
      messages[name] = counts;
    }
    const { user, system } = process.cpuUsage();
    return {
      at: performance.now(),
      machine: machineCpu(),
      gateway: (user + system) / 1e6,
      services: Object.fromEntries(services.map(({ name, pid }) => [name, processCpu(pid)])) as Record<ServiceName, number>,
      postgres: cpuOf(backends.map(({ pid }) => pid)),
      rabbitmq: cpuOf(rabbitmq),
      messages,
    };
  };
  const start = await sample();
  const loadEnded = () => {
    // How busy the machine was is read over the load only, not over the drain after it.
    const loadEnd = { at: performance.now(), machine: machineCpu() };
    return async (checkouts: number): Promise<Cost> => {
      const end = await sample();
      const perCheckout = (seconds: number) => round((seconds * 1000) / checkouts);
      const cpuMs: Record<string, number> = {};
      for (const name of SERVICE_NAMES) cpuMs[name] = perCheckout(end.services[name] - start.services[name]);
      cpuMs['gateway and load generator'] = perCheckout(end.gateway - start.gateway);
      cpuMs.PostgreSQL = perCheckout(cpuSince(start.postgres, end.postgres));
      cpuMs.RabbitMQ = perCheckout(cpuSince(start.rabbitmq, end.rabbitmq));
      const ours = Object.values(cpuMs).reduce((a, b) => a + b, 0);
      const busy = (loadEnd.machine - start.machine) / ((loadEnd.at - start.at) / 1000);
      // Other work: what the machine spent beyond the shop, over the whole window (load and drain).
      const otherWork = (end.machine - start.machine - (ours * checkouts) / 1000) / ((end.at - start.at) / 1000);
      const messages = Object.fromEntries(
        SERVICE_NAMES.map((name) => [
          name,
          {
            published: round((end.messages[name].published - start.messages[name].published) / checkouts),
            consumed: round((end.messages[name].consumed - start.messages[name].consumed) / checkouts),
          },
        ]),
      ) as Cost['messages'];
      return {
        cpuMs: { ...cpuMs, total: round(ours) },
        messages,
        machineBusyCores: round(busy),
        otherWorkCores: round(Math.max(0, otherWork)),
      };
    };
  };
  return loadEnded;
}

function describeCost({ cpuMs, messages, machineBusyCores, otherWorkCores }: Cost): string {
  const { total, ...byProcess } = cpuMs;
  const cores = cpus().length;
  return [
    `  CPU per completed checkout, ms: ${Object.entries(byProcess)
      .sort(([, a], [, b]) => b - a)
      .map(([name, ms]) => `${name} ${ms}`)
      .join(', ')}; total ${total}, so ${cores} cores take at most ${round((cores * 1000) / total)} checkouts/s`,
    `  machine busy ${machineBusyCores} of ${cores} cores under load, other work took ${otherWorkCores} of them`,
    `  messages per checkout, published / consumed: ${SERVICE_NAMES.map((name) => `${name} ${messages[name].published} / ${messages[name].consumed}`).join(', ')}`,
  ].join('\n');
}

async function saturation(shop: Shop, shoppers: Shopper[]): Promise<{ perSecond: number; results: { status: string; ms: number }[] }> {
  const results: { status: string; ms: number }[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SATURATION_IN_FLIGHT }, async () => {
      while (next < shoppers.length) {
        const shopper = shoppers[next++];
        results.push(await checkOut(shop, shopper));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: results.filter((r) => r.status === 'COMPLETED').length / seconds, results };
}

async function paced(shop: Shop, shoppers: Shopper[]): Promise<{ status: string; ms: number }[]> {
  const intervalMs = 1000 / PACED_RATE;
  const started = performance.now();
  return Promise.all(
    shoppers.map(async (shopper, i) => {
      const at = started + i * intervalMs;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return checkOut(shop, shopper);
    }),
  );
}

async function main(): Promise<void> {
  const load = loadavg();
  console.log(`bench:checkout on ${cpus().length} cores (${cpus()[0]?.model}), load average ${load.map((l) => l.toFixed(2)).join(' ')}`);
  const shop = await startShop({ label: 'bench_checkout', asProcesses: [...SERVICE_NAMES], env: { LOG_LEVEL: 'warn' } });
  const clients: Client[] = [];
  try {
    const skus = await createCatalogue(shop);
    const pacedCount = PACED_RATE * PACED_SECONDS;
    const total = WARMUP_CHECKOUTS + ALONE_CHECKOUTS + SATURATION_CHECKOUTS + pacedCount;
    console.log(`preparing ${total} customers with a cart and a graphql-ws connection...`);
    const shoppers = await prepareShoppers(shop, skus, total);
    clients.push(...shoppers.map((s) => s.client));

    console.log(`warm-up: ${WARMUP_CHECKOUTS} checkouts, not measured...`);
    const warmup = await saturation(shop, shoppers.splice(0, WARMUP_CHECKOUTS));
    await settle();

    console.log(`saturation: ${SATURATION_CHECKOUTS} checkouts, ${SATURATION_IN_FLIGHT} in flight...`);
    const loadEnded = await measureCost(shop);
    const sat = await saturation(shop, shoppers.slice(0, SATURATION_CHECKOUTS));
    const costAfterDrain = loadEnded();
    console.log(`  ${round(sat.perSecond)} completed checkouts/s`);
    // What saturation left in the queues (stock confirmations, analytics, email) drains first, and counts.
    await settle();
    const cost = await costAfterDrain(sat.results.filter((r) => r.status === 'COMPLETED').length);
    console.log(describeCost(cost));
    console.log(`one at a time: ${ALONE_CHECKOUTS} checkouts...`);
    const alone: { status: string; ms: number }[] = [];
    for (const shopper of shoppers.slice(SATURATION_CHECKOUTS, SATURATION_CHECKOUTS + ALONE_CHECKOUTS))
      alone.push(await checkOut(shop, shopper));
    const aloneLatencies = alone.map((r) => r.ms).sort((a, b) => a - b);
    const aloneFigures = { p50_ms: round(percentile(aloneLatencies, 50)), p95_ms: round(percentile(aloneLatencies, 95)) };
    console.log(`  p50 ${aloneFigures.p50_ms} ms, p95 ${aloneFigures.p95_ms} ms from startCheckout to the final message`);

    console.log(`fixed rate: ${PACED_RATE} checkouts/s for ${PACED_SECONDS} s...`);
    const fixed = await paced(shop, shoppers.slice(ALONE_CHECKOUTS + SATURATION_CHECKOUTS));
    const latencies = fixed
      .filter((r) => r.status === 'COMPLETED')
      .map((r) => r.ms)
      .sort((a, b) => a - b);
    console.log(
      `  p50 ${round(percentile(latencies, 50))} ms, p95 ${round(percentile(latencies, 95))} ms from startCheckout to the COMPLETED message`,
    );

    // Let compensations and confirmations settle, then check the invariants in each service's database.
    await settle();
    const all = [...warmup.results, ...alone, ...sat.results, ...fixed];
    const completed = all.filter((r) => r.status === 'COMPLETED').length;
    const failed = all.filter((r) => r.status === 'FAILED').length;
    const [{ stuck }] = await databaseRows<{ stuck: number }>(
      shop.databases.checkout.url,
      `select count(*)::int as stuck from checkouts where status not in ('COMPLETED','FAILED')`,
    );
    const [{ double_charged }] = await databaseRows<{ double_charged: number }>(
      shop.databases.payment.url,
      `select count(*)::int as double_charged from (select checkout_id from payments where status in ('SUCCEEDED','REFUNDED') group by checkout_id having count(*) > 1) d`,
    );
    const [stock] = await databaseRows<{ total: string; reserved: string; sold: string }>(
      shop.databases.inventory.url,
      `select sum(available + reserved + sold)::text as total, sum(reserved)::text as reserved, sum(sold)::text as sold from stock_items`,
    );
    const [{ paid }] = await databaseRows<{ paid: number }>(
      shop.databases.payment.url,
      `select count(*)::int as paid from payments where status = 'SUCCEEDED'`,
    );
    const conserved = Number(stock.total) === SKUS * INITIAL_STOCK && Number(stock.reserved) === 0 && Number(stock.sold) === completed;
    console.log(`  completed ${completed}, failed ${failed}, stuck ${stuck}, successful payments ${paid}, stock conserved: ${conserved}`);
    if (!conserved || paid !== completed) throw new Error('an invariant does not hold: see the line above');

    const result = {
      checkouts_per_s: round(sat.perSecond),
      p50_ms: round(percentile(latencies, 50)),
      p95_ms: round(percentile(latencies, 95)),
      completed,
      failed,
      stuck,
      double_charged,
    };
    const folder = join(__dirname, 'results');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'checkout.json'),
      `${JSON.stringify({ ...result, alone: aloneFigures, cost, settings: { warmupCheckouts: WARMUP_CHECKOUTS, aloneCheckouts: ALONE_CHECKOUTS, saturationCheckouts: SATURATION_CHECKOUTS, inFlight: SATURATION_IN_FLIGHT, pacedRate: PACED_RATE, pacedSeconds: PACED_SECONDS }, date: new Date().toISOString(), machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadAverageAtStart: load } }, null, 2)}\n`,
    );
    console.log(JSON.stringify(result));
  } finally {
    for (const client of clients) await client.dispose();
    await shop.close();
  }
}

main().catch((err: Error) => {
  console.error(`bench:checkout failed: ${err.message}`);
  process.exit(1);
});
