import { execFile, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { ProductPriceChanged } from './catalog';
import { DeadLetterHeaders, type Delivery } from './transport/transport';
import { waitFor } from './testing';
import { type LedgerWorld, ledgerSubscriptions, openLedgerWorld } from './testing/ledger';

// The guarantees of the messaging runtime, end to end: outbox -> relay -> RabbitMQ -> inbox, on
// the real PostgreSQL and RabbitMQ, with real process deaths where the guarantee is about one.

const counterValue = async (world: LedgerWorld, name: string): Promise<number> => {
  const metric = await world.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
};

function runLedgerProcess(mode: string, dbUrl: string, prefix: string, ...rest: string[]) {
  const child = fork(require.resolve('./testing/ledger-process.ts'), [mode, dbUrl, prefix, ...rest], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<void>((resolve) => child.on('message', (m) => m === 'ready' && resolve()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, ready, exited };
}

describe('messaging end to end (PostgreSQL + RabbitMQ)', () => {
  let world: LedgerWorld;

  beforeEach(async () => {
    world = await openLedgerWorld('msg');
  });

  afterEach(async () => {
    await world.close();
  });

  it('carries an event from the producer commit to the consumer commit', async () => {
    await world.startConsumer();
    await world.startProducer();
    await world.publishPriceChanges(['SKU-1', 'SKU-2', 'SKU-1']);
    await waitFor(async () => (await world.applied()).total === 3, { what: 'three applied' });
    expect(await world.ledger()).toEqual({ 'SKU-1': 2, 'SKU-2': 1 });
    expect(await world.unsentInOutbox()).toBe(0);
  });

  it('applies an event delivered three times once, and counts the two duplicates', async () => {
    await world.startConsumer();
    const transport = await world.openTransport('duplicator');
    const envelope = world.productOutbox.envelope(
      ProductPriceChanged,
      { sku: 'DUP-1', oldPrice: '1.00', newPrice: '2.00', currency: 'GBP' },
      { sequence: 1 },
    );
    const copy = () => ({
      exchange: 'product-events',
      routingKey: 'ProductPriceChanged',
      messageId: envelope.eventId,
      body: Buffer.from(JSON.stringify(envelope)),
      mandatory: false,
    });
    for (let i = 0; i < 3; i++) expect((await transport.publish([copy()]))[0].ok).toBe(true);
    await waitFor(async () => (await counterValue(world, 'messaging_duplicates_skipped_total')) === 2, { what: 'two duplicates counted' });
    expect(await world.ledger()).toEqual({ 'DUP-1': 1 });
    expect(await world.applied()).toEqual({ total: 1, distinct: 1 });
    expect(await counterValue(world, 'messaging_processed_total')).toBe(1);
  });

  it('redelivers, and does not re-apply, a message whose consumer died after its commit and before its ack', async () => {
    const consumer = runLedgerProcess('consumer-dies-before-ack', world.cartDb.url, world.prefix);
    await consumer.ready;
    await world.startProducer();
    await world.publishPriceChanges(['CRASH-1']);
    expect(await consumer.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Its commit is there; its ack never happened.
    expect(await world.ledger()).toEqual({ 'CRASH-1': 1 });
    await world.startConsumer();
    await waitFor(async () => (await counterValue(world, 'messaging_duplicates_skipped_total')) === 1, { what: 'the redelivery' });
    expect(await world.ledger()).toEqual({ 'CRASH-1': 1 });
    expect(await world.applied()).toEqual({ total: 1, distinct: 1 });
  });

  it('publishes after a restart what a producer committed just before dying', async () => {
    await world.startConsumer();
    const producer = runLedgerProcess('producer-dies-before-publish', world.productDb.url, world.prefix, 'LOST-1');
    expect(await producer.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await world.unsentInOutbox()).toBe(1);
    expect(await world.ledger()).toEqual({});
    await world.startProducer();
    await waitFor(async () => (await world.ledger())['LOST-1'] === 1, { what: 'the event published on restart' });
    expect(await world.unsentInOutbox()).toBe(0);
    expect(await world.applied()).toEqual({ total: 1, distinct: 1 });
  });

  it('retries a failing handler with growing delays, then dead-letters it with its reason, while others flow', async () => {
    const failures: number[] = [];
    await world.startConsumer({
      subscriptions: ledgerSubscriptions({
        failFor: (sku) => {
          if (sku === 'BAD') failures.push(Date.now());
          return sku === 'BAD';
        },
      }),
    });
    const dead: Delivery[] = [];
    await (
      await world.openTransport('review')
    ).consume(world.deadLetterSpec(), (d) => {
      dead.push(d);
      void d.ack();
    });
    await world.startProducer();
    await world.publishPriceChanges(['BAD', 'GOOD-1', 'GOOD-2', 'GOOD-3']);
    await waitFor(async () => (await world.applied()).total === 3, { what: 'the good ones' });
    expect(failures.length).toBeLessThan(4);
    await waitFor(() => dead.length === 1, { what: 'the dead letter' });
    expect(failures).toHaveLength(4);
    const gaps = failures.slice(1).map((t, i) => t - failures[i]);
    // Test policy: min 50 ms + 2^i * 50 ms: 100, 150, 250 ms between attempts.
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThan(gaps[0]);
    expect(gaps[2]).toBeGreaterThan(gaps[1]);
    expect(dead[0].headers[DeadLetterHeaders.reason]).toBe('gave up after 4 attempts: cannot apply BAD');
    expect(Number(dead[0].headers[DeadLetterHeaders.attempts])).toBe(4);
    expect(dead[0].headers[DeadLetterHeaders.originalQueue]).toBe('cart-service-queue');
    expect(dead[0].headers[DeadLetterHeaders.originalExchange]).toBe('product-events');
    expect(JSON.parse(dead[0].body.toString()).data.sku).toBe('BAD');
    expect(await world.ledger()).toEqual({ 'GOOD-1': 1, 'GOOD-2': 1, 'GOOD-3': 1 });
  });

  it('dead-letters malformed, unknown, unaccepted and forged messages with a clear reason, and keeps consuming', async () => {
    await world.startConsumer();
    const dead: Delivery[] = [];
    const transport = await world.openTransport('attacker');
    await transport.consume(world.deadLetterSpec(), (d) => {
      dead.push(d);
      void d.ack();
    });
    const valid = world.productOutbox.envelope(
      ProductPriceChanged,
      { sku: 'OK-1', oldPrice: '1.00', newPrice: '2.00', currency: 'GBP' },
      { sequence: 1 },
    );
    const variant = (changes: object) => JSON.stringify({ ...valid, eventId: randomUUID(), ...changes });
    const bodies = [
      '{not json',
      variant({ data: { ...valid.data, newPrice: 12.5 } }),
      variant({ eventType: 'ProductExploded' }),
      variant({ version: '2.0' }),
      variant({ source: 'cart-service' }),
      variant({ eventId: 'not-a-uuid' }),
      JSON.stringify(valid),
    ];
    await transport.publish(
      bodies.map((body) => ({
        exchange: 'product-events',
        routingKey: 'ProductPriceChanged',
        messageId: randomUUID(),
        body: Buffer.from(body),
        mandatory: false,
      })),
    );
    await waitFor(() => dead.length === 6, { what: 'six dead letters' });
    await waitFor(async () => (await world.ledger())['OK-1'] === 1, { what: 'the valid one' });
    const reasons = dead.map((d) => String(d.headers[DeadLetterHeaders.reason]));
    expect(reasons).toEqual([
      'malformed message: the body is not JSON',
      'invalid ProductPriceChanged 1.0: data.newPrice: Invalid input: expected string, received number',
      'unknown event type ProductExploded: cart-service does not handle it',
      'version 2.0 of ProductPriceChanged is not accepted by cart-service (accepts 1.0)',
      'ProductPriceChanged from cart-service refused: only product-service may send it',
      'malformed envelope: eventId: Invalid UUID',
    ]);
    expect(dead.every((d) => Number(d.headers[DeadLetterHeaders.attempts]) === 1)).toBe(true);
    expect(await world.applied()).toEqual({ total: 1, distinct: 1 });
  });

  it('delivers every event exactly once when all broker connections are closed mid-flow', async () => {
    await world.startConsumer();
    await world.startProducer();
    const total = 3_000;
    const skus = Array.from({ length: total }, (_, i) => `SKU-${i % 50}`);
    const publishing = (async () => {
      for (let i = 0; i < total; i += 100) {
        await world.publishPriceChanges(skus.slice(i, i + 100));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await waitFor(async () => (await world.applied()).total > total / 4, { what: 'a quarter applied', timeoutMs: 60_000 });
    await promisify(execFile)('rabbitmqctl', ['close_all_connections', 'fault injected by the messaging test']);
    await publishing;
    await waitFor(async () => (await world.applied()).distinct === total, { what: 'every event applied', timeoutMs: 90_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(await world.applied()).toEqual({ total, distinct: total });
    const ledger = await world.ledger();
    expect(Object.values(ledger).reduce((a, b) => a + b, 0)).toBe(total);
    expect(await world.unsentInOutbox()).toBe(0);
  });
});
