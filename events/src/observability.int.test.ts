import { Registry } from 'prom-client';
import { MessageBus } from './bus';
import { ProductPriceChanged } from './catalog';
import { on } from './inbox/consumer';
import { createLogger } from './logger';
import { type LedgerWorld, ledgerSubscriptions, openLedgerWorld, testRetryPolicy } from './testing/ledger';
import { metricValue } from './testing/prometheus';
import { waitFor } from './testing';

// What an operator sees of one service's messaging: the gauges read at scrape time (queue and
// dead-letter depth over AMQP, consumer attachment, outbox backlog), the retry counter, the
// consumer's log lines with the correlation id, and a graceful stop that loses and repeats nothing.

const queue = 'cart-service-queue';
const deadLetterQueue = 'cart-service-queue.dlq';

describe('messaging observability', () => {
  let world: LedgerWorld;

  beforeEach(async () => {
    world = await openLedgerWorld('observe');
  });

  afterEach(async () => {
    await world.close();
  });

  it('shows the queue, its dead letters, retries and whether the consumer is attached', async () => {
    const registry = new Registry();
    const consumer = await world.startConsumer({ registry, subscriptions: ledgerSubscriptions({ failFor: (sku) => sku === 'BROKEN' }) });
    await world.startProducer({ registry: new Registry() });
    let text = await registry.metrics();
    expect(metricValue(text, 'messaging_consumer_attached', { queue })).toBe(1);
    expect(metricValue(text, 'messaging_queue_depth', { queue })).toBe(0);
    expect(metricValue(text, 'messaging_dead_letter_queue_depth', { queue: deadLetterQueue })).toBe(0);

    await world.publishPriceChanges(['BROKEN', 'FINE']);
    await waitFor(
      async () => metricValue(await registry.metrics(), 'messaging_dead_letter_queue_depth', { queue: deadLetterQueue }) === 1,
      {
        what: 'the dead letter to show',
      },
    );
    text = await registry.metrics();
    const labels = { consumer: 'cart-service', event_type: 'ProductPriceChanged' };
    expect(metricValue(text, 'messaging_retries_total', labels)).toBe(testRetryPolicy.retryLimit);
    expect(metricValue(text, 'messaging_dead_lettered_total', { ...labels, cause: 'handler-failed' })).toBe(1);

    await consumer.stop();
    text = await registry.metrics();
    expect(metricValue(text, 'messaging_consumer_attached', { queue })).toBe(0);
    await world.publishPriceChanges(['WAITING-1', 'WAITING-2']);
    await waitFor(async () => metricValue(await registry.metrics(), 'messaging_queue_depth', { queue }) === 2, {
      what: 'the waiting messages to show',
    });
  });

  it('shows the outbox backlog and the age of its oldest message until the relay publishes them', async () => {
    const registry = new Registry();
    const producer = new MessageBus({
      service: 'product',
      orm: world.productOrm,
      transport: await world.openTransport('product'),
      logger: createLogger('product'),
      registry,
    });
    await world.publishPriceChanges(['A', 'B', 'C']);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    let text = await registry.metrics();
    expect(metricValue(text, 'messaging_outbox_backlog')).toBe(3);
    expect(metricValue(text, 'messaging_outbox_oldest_unsent_age_seconds')).toBeGreaterThanOrEqual(1);

    await producer.start();
    try {
      await waitFor(async () => (await world.unsentInOutbox()) === 0, { what: 'the relay to publish' });
      text = await registry.metrics();
      expect(metricValue(text, 'messaging_outbox_backlog')).toBe(0);
      expect(metricValue(text, 'messaging_outbox_oldest_unsent_age_seconds')).toBe(0);
    } finally {
      await producer.stop();
    }
  });

  it("logs each message's correlation id, event id and type on the consumer's lines", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('cart', 'debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
    await world.startConsumer({
      logger,
      subscriptions: [
        on(ProductPriceChanged, async ({ data }, context) => {
          context.logger.info({ sku: data.sku }, 'price noted');
        }),
      ],
    });
    const [eventId] = await world.productOrm.em
      .fork()
      .transactional(async (em) => [
        world.productOutbox.publish(
          em,
          ProductPriceChanged,
          { sku: 'LOGGED', oldPrice: '1.00', newPrice: '2.00', currency: 'GBP' },
          { sequence: 1, correlationId: 'checkout-7f3a' },
        ).eventId,
      ]);
    await world.startProducer({ registry: new Registry() });
    const noted = await waitFor(() => lines.find((line) => line.msg === 'price noted'), { what: "the handler's line" });
    expect(noted).toMatchObject({
      correlationId: 'checkout-7f3a',
      eventId,
      eventType: 'ProductPriceChanged',
      sku: 'LOGGED',
      service: 'cart',
    });
    const handled = await waitFor(() => lines.find((line) => line.msg === 'message handled'), { what: "the consumer's own line" });
    expect(handled).toMatchObject({ correlationId: 'checkout-7f3a', eventId });
  });

  it('stops gracefully: what was delivered is applied and acked, so nothing is lost or applied again', async () => {
    const skus = Array.from({ length: 600 }, (_, i) => `SKU-${i}`);
    const consumer = await world.startConsumer({ registry: new Registry(), consumer: { maxBatch: 20, prefetch: 100 } });
    await world.publishPriceChanges(skus);
    await world.startProducer({ registry: new Registry() });
    await waitFor(async () => (await world.applied()).total >= 100, { what: 'the first messages to be applied' });
    await consumer.stop();
    const appliedAtStop = (await world.applied()).total;
    expect(appliedAtStop).toBeLessThan(skus.length);

    const registry = new Registry();
    await world.startConsumer({ registry });
    await waitFor(async () => (await world.applied()).total === skus.length, { what: 'every message to be applied', timeoutMs: 30_000 });
    const text = await registry.metrics();
    const labels = { consumer: 'cart-service', event_type: 'ProductPriceChanged' };
    // Nothing the first consumer applied came back: the second one applied exactly the rest.
    expect(metricValue(text, 'messaging_duplicates_skipped_total', labels) ?? 0).toBe(0);
    expect(metricValue(text, 'messaging_processed_total', labels)).toBe(skus.length - appliedAtStop);
    expect(await world.applied()).toEqual({ total: skus.length, distinct: skus.length });
  });

  it('publishes everything committed before the relay stops', async () => {
    const producer = await world.startProducer({ registry: new Registry(), relay: { listen: false, pollIntervalMs: 60_000 } });
    await world.publishPriceChanges(['LATE-1', 'LATE-2', 'LATE-3']);
    expect(await world.unsentInOutbox()).toBe(3);
    await producer.stop();
    expect(await world.unsentInOutbox()).toBe(0);
  });
});
