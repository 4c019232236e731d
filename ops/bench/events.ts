// The events benchmark: end-to-end throughput (batched and unbatched) and latency of the messaging
// runtime (outbox -> relay -> RabbitMQ -> consumer inbox, with a real effect in the consumer's
// database), next to the ceilings of raw amqplib and raw PostgreSQL on the same machine.
// Two services as in production: this process is the producer (the ledger world's "product": it
// writes price changes with their outbox rows, and runs the relay); the consumer ("cart") runs in
// a process of its own (events-consumer.ts). Everything created here (databases, queues,
// exchanges) carries a unique name and is removed at the end, also on failure.
// Ends with one line of JSON, also written to results/events.json with the date and machine.
// `--quick` (for comparing changes): 10,000 batched events and the latency phase only, no ceilings,
// no unbatched phase, nothing written to results/. `--quick --rate=20`: the latency phase at 20
// events/s instead of 1,000 (what one hop takes when nothing queues).
process.env.LOG_LEVEL ??= 'warn';

import { type ChildProcess, fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DelegatingTransport, type OutboundMessage, type PublishResult, type Transport } from '@shop/events';
import { TEST_AMQP_URL, createTestDatabase, type TestDatabase, waitFor } from '@shop/events/src/testing';
import { type LedgerWorld, openLedgerWorld } from '@shop/events/src/testing/ledger';
import amqplib from 'amqplib';
import { Client } from 'pg';
import { cpuOf, cpuSince, machineCpu, pidsNamed, processCpu } from './cpu';
import type { CommittedBatch, ConsumerProcessOptions } from './events-consumer';

const quick = process.argv.includes('--quick');
const latencyRate = Number(process.argv.find((arg) => arg.startsWith('--rate='))?.slice('--rate='.length) ?? 1_000);
if (!Number.isInteger(latencyRate) || latencyRate < 1) {
  console.error('bench:events: --rate takes a whole number of events per second, such as --rate=20');
  process.exit(2);
}
if (latencyRate !== 1_000 && !quick) {
  console.error('bench:events: --rate goes with --quick: the full run measures the target rate, 1,000 events/s');
  process.exit(2);
}
const config = {
  skus: 1_000,
  warmup: quick ? 2_000 : 5_000,
  batched: { events: quick ? 10_000 : 30_000, perTransaction: 200 },
  latency: { ratePerSecond: latencyRate, seconds: 10, producers: latencyRate < 100 ? 1 : 2 },
  unbatched: { seconds: 5, producers: 4 },
  rawAmqp: { messages: 30_000, inFlight: 1_000, prefetch: 500 },
  rawPgSeconds: 4,
  phaseTimeoutMs: 120_000,
};

const log = (line: string) => console.log(`[bench:events] ${line}`);
const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Epoch milliseconds with sub-millisecond precision, comparable across the two processes. */
const now = () => performance.timeOrigin + performance.now();
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const sku = (i: number) => `SKU-${i % config.skus}`;

/**
 * When each event of one phase passed each stage, per event id: the producer's commit, the relay
 * handing it to the broker and learning it was confirmed, the delivery to the consumer, the
 * consumer's commit.
 */
class Tracker {
  readonly produced = new Map<string, number>();
  readonly published = new Map<string, { at: number; confirmedAt: number }>();
  readonly delivered = new Map<string, number>();
  readonly consumed = new Map<string, number>();
  /** Publish calls of the relay (one per wave) and consumer transactions. */
  publishes = 0;
  consumerTransactions = 0;
  private waiter?: { count: number; resolve: () => void };

  markProduced(ids: string[]): void {
    const at = now();
    for (const id of ids) this.produced.set(id, at);
  }

  markPublished(ids: string[], at: number, confirmedAt: number): void {
    this.publishes++;
    for (const id of ids) if (!this.published.has(id)) this.published.set(id, { at, confirmedAt });
  }

  markConsumed({ ids, deliveredAt, at }: CommittedBatch): void {
    this.consumerTransactions++;
    ids.forEach((id, i) => {
      if (this.consumed.has(id)) return;
      this.consumed.set(id, at);
      this.delivered.set(id, deliveredAt[i]);
    });
    if (this.waiter && this.consumed.size >= this.waiter.count) this.waiter.resolve();
  }

  /** Resolves once this many distinct events were committed by the consumer. */
  async allConsumed(count: number, what: string, consumer: ConsumerProcess): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => {
          this.waiter = { count, resolve };
          if (this.consumed.size >= count) resolve();
        }),
        consumer.exited.then(() => Promise.reject(new Error(`${what}: the consumer process exited`))),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${what}: only ${this.consumed.size} of ${count} events arrived in ${config.phaseTimeoutMs} ms`)),
            config.phaseTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.waiter = undefined;
    }
  }

  /** Events per second from the first producer transaction's start to the last consumer commit. */
  eventsPerSecond(startedAt: number): number {
    const lastCommit = [...this.consumed.values()].reduce((a, b) => Math.max(a, b));
    return this.consumed.size / ((lastCommit - startedAt) / 1000);
  }

  /** Producer commit to consumer commit, in ms, sorted. */
  latencies(): number[] {
    return [...this.consumed].map(([id, at]) => at - this.produced.get(id)!).sort((a, b) => a - b);
  }

  /** Where the latency goes: p50 and p95 of each stage, in ms. */
  stages(): string {
    const stage = (name: string, from: (id: string) => number | undefined, to: (id: string) => number | undefined) => {
      const spans = [...this.consumed.keys()]
        .map((id) => [from(id), to(id)])
        .filter((pair): pair is [number, number] => pair[0] !== undefined && pair[1] !== undefined)
        .map(([a, b]) => b - a)
        .sort((a, b) => a - b);
      return `${name} ${round(percentile(spans, 50), 1)} / ${round(percentile(spans, 95), 1)}`;
    };
    return (
      [
        stage(
          'commit -> relay publishes',
          (id) => this.produced.get(id),
          (id) => this.published.get(id)?.at,
        ),
        stage(
          'publish -> confirmed',
          (id) => this.published.get(id)?.at,
          (id) => this.published.get(id)?.confirmedAt,
        ),
        stage(
          'publish -> delivered',
          (id) => this.published.get(id)?.at,
          (id) => this.delivered.get(id),
        ),
        stage(
          'delivered -> consumer commit',
          (id) => this.delivered.get(id),
          (id) => this.consumed.get(id),
        ),
      ].join(', ') +
      `; events per relay publish ${round(this.consumed.size / this.publishes, 2)}, per consumer transaction ${round(this.consumed.size / this.consumerTransactions, 2)}`
    );
  }
}

/** The producer's transport, telling the current tracker when the relay publishes each event and when the broker confirmed it. */
class PublishNotingTransport extends DelegatingTransport {
  constructor(
    inner: Transport,
    private readonly tracker: () => Tracker,
  ) {
    super(inner);
  }

  override async publish(messages: OutboundMessage[]): Promise<PublishResult[]> {
    const at = now();
    const results = await this.inner.publish(messages);
    this.tracker().markPublished(
      messages.map((m) => m.messageId),
      at,
      now(),
    );
    return results;
  }
}

/**
 * Where the CPU of a phase went, per event: this process (the producer's writes and its relay),
 * the consumer process, the PostgreSQL backends serving the bench's databases (and of them, the
 * producer's) and RabbitMQ (the whole broker); and how busy the machine was, other work included:
 * it may be shared.
 */
async function measureCpu(world: LedgerWorld, consumer: ConsumerProcess): Promise<(events: number) => Promise<string>> {
  const rabbitmq = pidsNamed('beam.smp');
  const sample = async () => {
    const backends = await world.productOrm.em
      .getConnection()
      .execute<{ pid: number; datname: string }[]>('select pid, datname from pg_stat_activity where datname in (?, ?)', [
        world.productDb.name,
        world.cartDb.name,
      ]);
    const { user, system } = process.cpuUsage();
    return {
      at: performance.now(),
      machine: machineCpu(),
      producer: (user + system) / 1e6,
      consumer: processCpu(consumer.pid),
      postgres: cpuOf(backends.map(({ pid }) => pid)),
      producerBackends: new Set(backends.filter(({ datname }) => datname === world.productDb.name).map(({ pid }) => pid)),
      rabbitmq: cpuOf(rabbitmq),
    };
  };
  /** The producer's database's share of one reading of the backends. */
  const producerShare = ({ postgres, producerBackends }: Awaited<ReturnType<typeof sample>>) =>
    new Map([...postgres].filter(([pid]) => producerBackends.has(pid)));
  const start = await sample();
  return async (events) => {
    const end = await sample();
    const seconds = (end.at - start.at) / 1000;
    const used = {
      producer: end.producer - start.producer,
      consumer: end.consumer - start.consumer,
      postgres: cpuSince(start.postgres, end.postgres),
      producerDatabase: cpuSince(producerShare(start), producerShare(end)),
      rabbitmq: cpuSince(start.rabbitmq, end.rabbitmq),
    };
    const perEvent = (key: keyof typeof used) => `${round((used[key] / events) * 1e6)} us`;
    const busy = end.machine - start.machine;
    const ours = used.producer + used.consumer + used.postgres + used.rabbitmq;
    return (
      `CPU per event: producer and relay ${perEvent('producer')}, consumer ${perEvent('consumer')}, ` +
      `PostgreSQL ${perEvent('postgres')} (the producer's database ${perEvent('producerDatabase')}), ` +
      `RabbitMQ ${perEvent('rabbitmq')}; machine busy ${round(busy / seconds, 2)} of ${cpus().length} cores, ` +
      `${round(Math.max(0, busy - ours) / seconds, 2)} of them other work`
    );
  };
}

/** The consuming service, in its own process; its committed batches go to the current tracker. */
class ConsumerProcess {
  tracker = new Tracker();
  readonly exited: Promise<number | null>;

  get pid(): number {
    return this.child.pid!;
  }

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: CommittedBatch | 'ready') => message !== 'ready' && this.tracker.markConsumed(message));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static async start(options: ConsumerProcessOptions): Promise<ConsumerProcess> {
    const child = fork(join(__dirname, 'events-consumer.ts'), [JSON.stringify(options)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const consumer = new ConsumerProcess(child);
    await Promise.race([
      new Promise<void>((resolve) => child.on('message', (m) => m === 'ready' && resolve())),
      consumer.exited.then((code) => Promise.reject(new Error(`the consumer process exited with ${code} before it was ready`))),
    ]);
    return consumer;
  }

  /** Lets it finish the batch in flight, ack it and close; kills it if it takes too long. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  const cleanups: { what: string; run: () => Promise<void> }[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const { what, run } of cleanups.reverse()) {
        await run().catch((err: Error) => console.error(`[bench:events] cleanup of ${what} failed: ${err.message}`));
      }
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    const machine = { cpu: cpus()[0].model, cores: cpus().length, node: process.version };
    // The machine may be shared: its load says how much of it the run had.
    const loadAtStart = loadavg().map((n) => round(n, 2));
    log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, load average ${loadAtStart.join(' ')}`);
    const world = await openLedgerWorld('bench_events');
    cleanups.push({ what: 'the ledger world', run: () => world.close() });
    await world.cartOrm.em
      .getConnection()
      .execute(`insert into ledger (sku) select 'SKU-' || i from generate_series(0, ${config.skus - 1}) as i`);
    const rawPgDb = await createTestDatabase('bench_events_rawpg');
    cleanups.push({ what: `database ${rawPgDb.name}`, run: () => rawPgDb.drop() });
    log(`databases ${world.productDb.name}, ${world.cartDb.name}, ${rawPgDb.name}; queue prefix ${world.prefix}`);

    const raw_pg_tx_per_s = quick ? undefined : await rawPg(rawPgDb);
    const raw_amqp_per_s = quick ? undefined : await rawAmqp(world.prefix);

    let consumer = await ConsumerProcess.start({ dbUrl: world.cartDb.url, prefix: world.prefix });
    cleanups.push({ what: 'the consumer process', run: () => consumer.stop() });
    await world.startProducer({ transport: new PublishNotingTransport(await world.openTransport('product'), () => consumer.tracker) });
    let expected = 0;

    // Warm-up: connections, JIT.
    await produceBatched(world, consumer.tracker, config.warmup);
    await consumer.tracker.allConsumed(config.warmup, 'warm-up', consumer);
    expected += config.warmup;
    log(`warm-up: ${config.warmup} events through`);

    consumer.tracker = new Tracker();
    const batchedCpu = await measureCpu(world, consumer);
    const batchedStart = now();
    await produceBatched(world, consumer.tracker, config.batched.events);
    await consumer.tracker.allConsumed(config.batched.events, 'batched', consumer);
    expected += config.batched.events;
    const events_per_s = consumer.tracker.eventsPerSecond(batchedStart);
    log(
      `batched: ${config.batched.events} events, ${config.batched.perTransaction} per producer transaction, relay and consumer taking what is waiting: ${round(events_per_s)} events/s`,
    );
    log(`batched, p50 / p95 in ms of each stage: ${consumer.tracker.stages()}`);
    log(`batched: ${await batchedCpu(config.batched.events)}`);

    consumer.tracker = new Tracker();
    const { ratePerSecond, seconds } = config.latency;
    const latencyCpu = await measureCpu(world, consumer);
    const paced = await producePaced(world, consumer.tracker, ratePerSecond, seconds);
    await consumer.tracker.allConsumed(ratePerSecond * seconds, 'latency', consumer);
    expected += ratePerSecond * seconds;
    const latencies = consumer.tracker.latencies();
    const [p50_ms, p95_ms, p99_ms] = [50, 95, 99].map((p) => round(percentile(latencies, p), 1));
    log(
      `latency at ${ratePerSecond}/s (achieved ${round(paced.rate)}/s, ${round(paced.perTransaction, 2)} events per producer transaction), producer commit -> consumer commit: p50 ${p50_ms} ms, p95 ${p95_ms} ms, p99 ${p99_ms} ms, max ${round(latencies[latencies.length - 1], 1)} ms`,
    );
    log(`latency, p50 / p95 in ms of each stage: ${consumer.tracker.stages()}`);
    log(`latency: ${await latencyCpu(ratePerSecond * seconds)}`);

    let events_per_s_unbatched: number | undefined;
    if (!quick) {
      await consumer.stop();
      consumer = await ConsumerProcess.start({ dbUrl: world.cartDb.url, prefix: world.prefix, maxBatch: 1, concurrentBatches: 1 });
      const unbatchedStart = now();
      const unbatched = await produceUnbatched(world, consumer.tracker, config.unbatched.seconds);
      await consumer.tracker.allConsumed(unbatched, 'unbatched', consumer);
      expected += unbatched;
      events_per_s_unbatched = consumer.tracker.eventsPerSecond(unbatchedStart);
      log(
        `unbatched: ${unbatched} events written in ${config.unbatched.seconds} s, one per producer transaction, consumer maxBatch 1, one batch at a time: ${round(events_per_s_unbatched)} events/s`,
      );
    }

    // Give a redelivery that would double an effect the time to show, then count.
    await sleep(1_000);
    await consumer.stop();
    const { lost, duplicated } = await verify(world, expected);
    const optional = (n: number | undefined) => (n === undefined ? undefined : round(n));
    const result = {
      events_per_s: round(events_per_s),
      events_per_s_unbatched: optional(events_per_s_unbatched),
      p50_ms,
      p95_ms,
      raw_amqp_per_s: optional(raw_amqp_per_s),
      raw_pg_tx_per_s: optional(raw_pg_tx_per_s),
      lost,
      duplicated,
    };
    const loadAverage = { start: loadAtStart, end: loadavg().map((n) => round(n, 2)) };
    log(`load average at the end ${loadAverage.end.join(' ')}`);
    if (!quick) {
      const resultsDir = join(__dirname, 'results');
      await mkdir(resultsDir, { recursive: true });
      await writeFile(
        join(resultsDir, 'events.json'),
        `${JSON.stringify({ ...result, date: new Date().toISOString(), machine, loadAverage }, null, 2)}\n`,
      );
    }
    await cleanUp();
    console.log(JSON.stringify(result));
  } finally {
    await cleanUp();
  }
}

/** As the producing service under load: many price changes per transaction, one transaction after another. */
async function produceBatched(world: LedgerWorld, tracker: Tracker, events: number): Promise<void> {
  const { perTransaction } = config.batched;
  for (let i = 0; i < events; i += perTransaction) {
    const skus = Array.from({ length: Math.min(perTransaction, events - i) }, (_, j) => sku(i + j));
    tracker.markProduced(await world.publishPriceChanges(skus));
  }
}

/**
 * One price change per transaction, several transactions at once (the producing service's
 * connection pool), for a while. Resolves with how many were written.
 */
async function produceUnbatched(world: LedgerWorld, tracker: Tracker, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let next = 0;
  const producer = async () => {
    while (performance.now() < end) tracker.markProduced(await world.publishPriceChanges([sku(next++)]));
  };
  await Promise.all(Array.from({ length: config.unbatched.producers }, producer));
  return next;
}

/**
 * Price changes at a fixed rate: each event is due at its own time and is written as soon as it
 * is due, never held back to fill a batch. A few transactions run at once; a transaction takes
 * every event due and not yet taken (one, unless the producer fell behind). Resolves with the
 * rate achieved and the mean events per transaction.
 */
async function producePaced(
  world: LedgerWorld,
  tracker: Tracker,
  ratePerSecond: number,
  seconds: number,
): Promise<{ rate: number; perTransaction: number }> {
  const total = ratePerSecond * seconds;
  const start = performance.now();
  let next = 0;
  let transactions = 0;
  const producer = async () => {
    while (next < total) {
      const wait = start + (next * 1000) / ratePerSecond - performance.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      const due = Math.min(total, Math.floor(((performance.now() - start) * ratePerSecond) / 1000) + 1);
      const skus = Array.from({ length: due - next }, (_, j) => sku(next + j));
      next = due;
      transactions++;
      tracker.markProduced(await world.publishPriceChanges(skus));
    }
  };
  await Promise.all(Array.from({ length: config.latency.producers }, producer));
  return { rate: total / ((performance.now() - start) / 1000), perTransaction: total / transactions };
}

/**
 * Counts what the consumer's database holds: an inbox row per event applied (its key makes each
 * unique), and the effects (the counters' sum, one per handler run), which must match; and the
 * outbox emptied. A mismatch fails the run, after the counts are printed.
 */
async function verify(world: LedgerWorld, expected: number): Promise<{ lost: number; duplicated: number }> {
  // The relay marks a pass sent once the broker confirmed it, which may be after the consumer committed it.
  const unsent = await waitFor(async () => (await world.unsentInOutbox()) === 0, { timeoutMs: 10_000 }).then(
    () => 0,
    () => world.unsentInOutbox(),
  );
  const [{ inbox }] = await world.cartOrm.em.getConnection().execute('select count(*)::int as inbox from processed_events');
  const effects = Object.values(await world.ledger()).reduce((a, b) => a + b, 0);
  log(`verify: ${expected} events produced; inbox holds ${inbox}, effects applied ${effects}, outbox unsent ${unsent}`);
  if (effects < inbox || unsent !== 0) {
    console.error('[bench:events] INCONSISTENT: an event is in the inbox without its effect, or the outbox kept messages');
    process.exitCode = 1;
  }
  return { lost: expected - inbox, duplicated: effects - inbox };
}

/** Ceiling: pg alone, one transaction at a time, each an inbox insert and an UPDATE, as the unbatched consumer does. */
async function rawPg(db: TestDatabase): Promise<number> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(`
      create table processed_events (consumer text not null, event_id uuid not null,
        processed_at timestamptz not null default now(), primary key (consumer, event_id));
      create table counter (sku text primary key, value int not null);
      insert into counter select 'SKU-' || i, 0 from generate_series(0, ${config.skus - 1}) i;`);
    let transactions = 0;
    const start = performance.now();
    const end = start + config.rawPgSeconds * 1000;
    while (performance.now() < end) {
      await client.query('begin');
      await client.query(`insert into processed_events (consumer, event_id) values ('raw', gen_random_uuid())`);
      await client.query('update counter set value = value + 1 where sku = $1', [sku(transactions)]);
      await client.query('commit');
      transactions++;
    }
    const rate = transactions / ((performance.now() - start) / 1000);
    log(`raw pg: ${transactions} transactions (inbox insert + UPDATE), one at a time: ${round(rate)} transactions/s`);
    return rate;
  } finally {
    await client.end();
  }
}

/** Ceiling: amqplib alone, persistent messages through a topic exchange to a quorum queue, publisher confirms, one ack per message. */
async function rawAmqp(prefix: string): Promise<number> {
  const { messages, inFlight, prefetch } = config.rawAmqp;
  const exchange = `${prefix}raw-events`;
  const queue = `${prefix}raw-queue`;
  const publisherConnection = await amqplib.connect(TEST_AMQP_URL);
  const consumerConnection = await amqplib.connect(TEST_AMQP_URL);
  try {
    const publisher = await publisherConnection.createConfirmChannel();
    await publisher.assertExchange(exchange, 'topic', { durable: true });
    await publisher.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await publisher.bindQueue(queue, exchange, 'ProductPriceChanged');
    const body = Buffer.from(
      JSON.stringify({ eventId: '00000000-0000-4000-8000-000000000000', data: { sku: 'SKU-1', padding: 'x'.repeat(250) } }),
    );

    const consumer = await consumerConnection.createChannel();
    await consumer.prefetch(prefetch);
    let received = 0;
    const done = new Promise<number>((resolve) => {
      void consumer.consume(queue, (message) => {
        if (!message) return;
        consumer.ack(message);
        if (++received === messages) resolve(performance.now());
      });
    });

    const start = performance.now();
    let sent = 0;
    let confirmed = 0;
    let window: (() => void) | undefined;
    const onConfirm = () => {
      confirmed++;
      if (window && sent - confirmed < inFlight) {
        const resume = window;
        window = undefined;
        resume();
      }
    };
    while (sent < messages) {
      if (sent - confirmed >= inFlight) await new Promise<void>((resolve) => (window = resolve));
      publisher.publish(exchange, 'ProductPriceChanged', body, { persistent: true, mandatory: true, messageId: String(sent) }, onConfirm);
      sent++;
    }
    await publisher.waitForConfirms();
    const rate = messages / (((await done) - start) / 1000);
    log(`raw amqplib: ${messages} persistent messages, quorum queue, confirms (${inFlight} in flight) and acks: ${round(rate)} messages/s`);
    await publisher.deleteQueue(queue);
    await publisher.deleteExchange(exchange);
    return rate;
  } finally {
    await consumerConnection.close();
    await publisherConnection.close();
  }
}

main().catch((err) => {
  console.error(`[bench:events] failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
