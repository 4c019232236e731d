// `npm run bench:subscriptions`: 10,000 graphql-ws subscribers on one gateway, each a customer
// watching its own checkout (checkoutStatusChanged), as shoppers do while they pay. The gateway
// runs in a process of its own, so its memory is measured alone; the subscribers are spread over
// a few client processes. The bench moves every checkout through three transitions, publishing
// CheckoutStatusChanged as the checkout service does, at a steady rate; each event carries its
// publication time (`at`, which subscribers read as `updatedAt`), and each client takes the
// latency when the message arrives. Prints what it measured, then one JSON line.
process.env.LOG_LEVEL ??= 'warn';

import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckoutStatusChanged, Outbox } from '@shop/events';
import { waitFor } from '@shop/events/src/testing';
import { composeSupergraph } from '@shop/gateway/src/supergraph';
import { type CheckoutStatus, SubscriptionTestStack, type TestCheckout } from '@shop/gateway/src/subscriptions/testing';
import { Child } from './gateway/child';
import type { ClientRequest, ResultsAnswer, SubscribeAnswer, Subscriber } from './subscriptions/client-process';
import type { GatewayMemory } from './subscriptions/gateway-process';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 10_000);
const CLIENT_PROCESSES = Number(process.env.BENCH_SUBSCRIPTION_CLIENTS ?? 2);
const EVENTS_PER_SECOND = Number(process.env.BENCH_SUBSCRIPTION_EVENTS_PER_S ?? 1_000);
/** Every checkout's transitions after RESERVING_STOCK (sequence 1); COMPLETED ends each subscription. */
const TRANSITIONS: CheckoutStatus[] = ['PROCESSING_PAYMENT', 'CREATING_ORDER', 'COMPLETED'];
const CREATING_AT_ONCE = 10;
const WARM_UP_SUBSCRIBERS = 100;
const DELIVERY_TIMEOUT_MS = 60_000;

const round = (n: number) => Math.round(n * 10) / 10;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const mb = (bytes: number) => `${round(bytes / 1024 / 1024)} MB`;
const log = (line: string) => console.log(`[bench:subscriptions] ${line}`);

/** Each subscriber holds a socket in the gateway; the process must be allowed that many files. */
function checkFileLimit(): void {
  const limit = Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
  const needed = SUBSCRIBERS + 1_000;
  if (Number.isFinite(limit) && limit < needed) {
    throw new Error(`the open file limit is ${limit}; ${SUBSCRIBERS} subscribers need about ${needed}: raise it with ulimit -n ${needed}`);
  }
}

async function createCheckouts(stack: SubscriptionTestStack, count: number): Promise<TestCheckout[]> {
  const checkouts: TestCheckout[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATING_AT_ONCE }, async () => {
      while (next < count) {
        const i = next++;
        checkouts[i] = await stack.createCheckout(`sub-bench-${randomUUID()}`);
      }
    }),
  );
  return checkouts;
}

/** Publishes one transition of every checkout, spread evenly at EVENTS_PER_SECOND, each stamped with its publication time. */
async function publishRound(stack: SubscriptionTestStack, checkouts: TestCheckout[], round: number): Promise<void> {
  const outbox = new Outbox('checkout-service');
  const status = TRANSITIONS[round];
  const previousStatus = round === 0 ? 'RESERVING_STOCK' : TRANSITIONS[round - 1];
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((EVENTS_PER_SECOND * tickMs) / 1000));
  const started = performance.now();
  for (let i = 0, tick = 0; i < checkouts.length; i += perTick, tick++) {
    const wait = started + tick * tickMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = new Date().toISOString();
    await stack.publishStatus(
      ...checkouts
        .slice(i, i + perTick)
        .map((c) =>
          outbox.envelope(
            CheckoutStatusChanged,
            { checkoutId: c.id, orderId: c.orderId, customerId: c.customerId, status, previousStatus, failureReason: null, at },
            { sequence: round + 2, correlationId: c.id },
          ),
        ),
    );
  }
}

async function main(): Promise<void> {
  checkFileLimit();
  const loadAtStart = loadavg();
  log(`${SUBSCRIBERS} subscribers over ${CLIENT_PROCESSES} client processes, ${EVENTS_PER_SECOND} events/s`);
  log(`${cpus().length} cores (${cpus()[0]?.model}), load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  const stack = await SubscriptionTestStack.start('bench_subscriptions');
  const children: Child[] = [];
  const folder = mkdtempSync(join(tmpdir(), 'bench-subscriptions-'));
  try {
    const composition = composeSupergraph(
      [stack.product, stack.checkout, stack.order].map(({ service }) => ({
        name: service.name,
        url: service.url,
        sdl: readFileSync(join(__dirname, '..', '..', 'subgraphs', service.name, 'schema.graphql'), 'utf8'),
      })),
    );
    if ('errors' in composition) throw new Error(composition.errors.join('\n'));
    const supergraphFile = join(folder, 'supergraph.graphql');
    writeFileSync(supergraphFile, composition.supergraphSdl);
    const { child: gateway, ready: gatewayUrl } = await Child.start<string>(
      'gateway',
      join(__dirname, 'subscriptions', 'gateway-process.ts'),
      {
        args: [JSON.stringify({ supergraphFile, queuePrefix: stack.prefix })],
        execArgv: ['--expose-gc'],
      },
    );
    children.push(gateway);

    log(`creating ${SUBSCRIBERS} checkouts, one per customer...`);
    const checkouts = await createCheckouts(stack, SUBSCRIBERS);
    const clients: Child[] = [];
    for (let i = 0; i < CLIENT_PROCESSES; i++) {
      const { child } = await Child.start<number>(`client-${i}`, join(__dirname, 'subscriptions', 'client-process.ts'));
      clients.push(child);
      children.push(child);
    }

    const wsUrl = gatewayUrl.replace(/^http/, 'ws');
    /** Subscribes these checkouts' customers, spread over the client processes; resolves with how many succeeded. */
    const subscribe = async (share: TestCheckout[]) => {
      const answers = await Promise.all(
        clients.map((client, i) =>
          client.ask<ClientRequest, SubscribeAnswer>({
            wsUrl,
            subscribe: share
              .filter((_, n) => n % clients.length === i)
              .map((c): Subscriber => ({ customerId: c.customerId, checkoutId: c.id })),
          }),
        ),
      );
      const failures = answers.flatMap((a) => a.failures);
      if (failures.length > 0) log(`failures: ${failures.join('; ')}`);
      return answers.reduce((sum, a) => sum + a.subscribed, 0);
    };
    const empty = await gateway.ask<'memory', GatewayMemory>('memory');
    log(`gateway with no subscriber: rss ${mb(empty.rss)}, heap ${mb(empty.heapUsed)}`);
    // The first subscribers also pay for what the gateway sets up once (query plans, compiled code):
    // memory per subscription is measured over the ones after them.
    const warmUp = checkouts.slice(0, WARM_UP_SUBSCRIBERS);
    const warmedUp = await subscribe(warmUp);
    const before = await gateway.ask<'memory', GatewayMemory>('memory');
    log(`gateway with ${warmedUp} warm-up subscribers: rss ${mb(before.rss)}, heap ${mb(before.heapUsed)}`);
    log('connecting and subscribing...');
    const subscribeStarted = performance.now();
    const measured = await subscribe(checkouts.slice(WARM_UP_SUBSCRIBERS));
    const subscribed = warmedUp + measured;
    log(`${measured} more subscribed in ${round((performance.now() - subscribeStarted) / 1000)} s`);
    const after = await gateway.ask<'memory', GatewayMemory>('memory');
    const rssPerSubscription = (after.rss - before.rss) / measured / 1024;
    const heapPerSubscription = (after.heapUsed - before.heapUsed) / measured / 1024;
    const heapTotalPerSubscription = (after.heapTotal - before.heapTotal) / measured / 1024;
    log(`gateway with ${subscribed} open: rss ${mb(after.rss)}, heap ${mb(after.heapUsed)}`);
    log(
      `per subscription after the warm-up: ${round(rssPerSubscription)} KB of RSS, ${round(heapTotalPerSubscription)} KB of heap held, ${round(heapPerSubscription)} KB of it live`,
    );
    log(`per subscription from the empty gateway: ${round((after.rss - empty.rss) / subscribed / 1024)} KB of RSS`);

    const expected = SUBSCRIBERS * TRANSITIONS.length;
    log(`publishing ${expected} CheckoutStatusChanged events...`);
    for (let r = 0; r < TRANSITIONS.length; r++) await publishRound(stack, checkouts, r);
    const collect = async () =>
      (await Promise.all(clients.map((c) => c.ask<ClientRequest, ResultsAnswer>({ results: true })))).flatMap((a) => a.latenciesMs);
    let latencies: number[] = [];
    await waitFor(async () => (latencies = await collect()).length >= expected, { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 500 }).catch(
      () => undefined,
    );
    latencies.sort((a, b) => a - b);
    const result = {
      subscribers: subscribed,
      p50_ms: percentile(latencies, 50),
      p95_ms: percentile(latencies, 95),
      delivered: latencies.length,
      expected,
      kb_per_subscription: round(rssPerSubscription),
    };
    log(
      `delivered ${result.delivered} of ${expected}; publication to client p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, max ${latencies.at(-1) ?? 0} ms`,
    );
    const results = join(__dirname, 'results');
    mkdirSync(results, { recursive: true });
    writeFileSync(
      join(results, 'subscriptions.json'),
      `${JSON.stringify(
        {
          ...result,
          heap_kb_per_subscription: round(heapPerSubscription),
          heap_total_kb_per_subscription: round(heapTotalPerSubscription),
          gateway_memory: { empty, afterWarmUp: before, after },
          warm_up_subscribers: warmedUp,
          settings: { clientProcesses: CLIENT_PROCESSES, eventsPerSecond: EVENTS_PER_SECOND, transitionsPerCheckout: TRANSITIONS.length },
          date: new Date().toISOString(),
          machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, loadAverageAtStart: loadAtStart },
        },
        null,
        2,
      )}\n`,
    );
    console.log(JSON.stringify(result));
  } finally {
    for (const child of children.reverse()) await child.stop();
    await stack.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`bench:subscriptions failed: ${err.message}`);
  process.exit(1);
});
