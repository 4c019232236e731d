import { randomUUID } from 'node:crypto';
import { waitFor } from '../testing';
import { AttemptHeader, DeadLetterHeaders, type Delivery, type QueueSpec, type Transport, deadLetterQueueOf } from './transport';

export interface ConformanceSubject {
  transport: Transport;
  /** Closes what the test opened. */
  cleanup(): Promise<void>;
}

const message = (exchange: string, routingKey: string, text: string, mandatory = false) => ({
  exchange,
  routingKey,
  messageId: randomUUID(),
  body: Buffer.from(text),
  headers: {},
  mandatory,
});

/** Collects deliveries; acks them unless told otherwise. */
function collector(options: { ack?: boolean } = {}) {
  const received: Delivery[] = [];
  const texts = () => received.map((d) => d.body.toString());
  const onDelivery = (d: Delivery) => {
    received.push(d);
    if (options.ack ?? true) void d.ack();
  };
  return { received, texts, onDelivery };
}

const deadLetters = (spec: QueueSpec): QueueSpec => ({
  name: deadLetterQueueOf(spec.name),
  bindings: [],
  retryDelaysMs: [],
  deadLetterQueue: false,
});

/**
 * What the messaging runtime relies on from a broker. Every transport runs this same suite, so
 * a handler tested on the in-memory transport behaves the same on RabbitMQ.
 */
export function describeTransportConformance(
  name: string,
  open: () => Promise<ConformanceSubject>,
  afterAllTests?: () => Promise<void>,
): void {
  describe(`${name} transport conformance`, () => {
    if (afterAllTests) afterAll(afterAllTests);
    let subject: ConformanceSubject;
    let transport: Transport;
    let exchange: string;

    beforeEach(async () => {
      subject = await open();
      transport = subject.transport;
      exchange = `conf-${randomUUID().slice(0, 8)}-events`;
    });

    afterEach(async () => {
      await subject.cleanup();
    });

    const spec = (queue: string, routingKeys: string[], retryDelaysMs: number[] = []): QueueSpec => ({
      name: `${queue}-${randomUUID().slice(0, 8)}`,
      bindings: routingKeys.map((routingKey) => ({ exchange, routingKey })),
      retryDelaysMs,
      prefetch: 50,
    });

    it('delivers by routing key, in publish order, to every bound queue and no other', async () => {
      const cart = collector();
      const order = collector();
      await transport.consume(spec('cart', ['ProductPriceChanged']), cart.onDelivery);
      await transport.consume(spec('order', ['ProductPriceChanged', 'ProductCreated']), order.onDelivery);
      const results = await transport.publish([
        message(exchange, 'ProductCreated', 'a'),
        message(exchange, 'ProductPriceChanged', 'b'),
        message(exchange, 'ProductPriceChanged', 'c'),
      ]);
      expect(results).toEqual([
        { ok: true, routed: true },
        { ok: true, routed: true },
        { ok: true, routed: true },
      ]);
      await waitFor(() => order.received.length === 3 && cart.received.length === 2, { what: 'deliveries' });
      expect(order.texts()).toEqual(['a', 'b', 'c']);
      expect(cart.texts()).toEqual(['b', 'c']);
    });

    it('counts an event nobody takes as unrouted, and fails a command nobody takes', async () => {
      const [event, command] = await transport.publish([
        message(exchange, 'NobodyListens', 'e'),
        message(exchange, 'NobodyListensEither', 'c', true),
      ]);
      expect(event).toEqual({ ok: true, routed: false });
      expect(command.ok).toBe(false);
      expect(!command.ok && command.error).toMatch(/unroutable/);
    });

    it('keeps the message id and headers', async () => {
      const queue = collector();
      await transport.consume(spec('headers', ['Tagged']), queue.onDelivery);
      const sent = { ...message(exchange, 'Tagged', 'x'), headers: { traceparent: '00-abc-def-01' } };
      await transport.publish([sent]);
      await waitFor(() => queue.received.length === 1);
      expect(queue.received[0].messageId).toBe(sent.messageId);
      expect(queue.received[0].headers.traceparent).toBe('00-abc-def-01');
      expect(queue.received[0].attempt).toBe(0);
    });

    it('retries after each delay, then dead-letters with the reason, attempts and origin', async () => {
      const work = spec('retry', ['Flaky'], [50, 100]);
      const seen: { attempt: number; at: number }[] = [];
      const start = Date.now();
      await transport.consume(work, (d) => {
        seen.push({ attempt: d.attempt, at: Date.now() - start });
        void d.retry(`boom ${d.attempt}`);
      });
      const dead = collector();
      await transport.consume(deadLetters(work), dead.onDelivery);
      await transport.publish([message(exchange, 'Flaky', 'payload')]);
      await waitFor(() => dead.received.length === 1, { what: 'dead letter' });
      expect(seen.map((s) => s.attempt)).toEqual([0, 1, 2]);
      expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(40);
      expect(seen[2].at - seen[1].at).toBeGreaterThanOrEqual(90);
      const letter = dead.received[0];
      expect(letter.body.toString()).toBe('payload');
      expect(letter.headers[DeadLetterHeaders.reason]).toBe('gave up after 3 attempts: boom 2');
      expect(Number(letter.headers[DeadLetterHeaders.attempts])).toBe(3);
      expect(letter.headers[DeadLetterHeaders.originalQueue]).toBe(work.name);
      expect(letter.headers[DeadLetterHeaders.originalExchange]).toBe(exchange);
      expect(letter.headers[DeadLetterHeaders.originalRoutingKey]).toBe('Flaky');
      expect(Number(letter.headers[AttemptHeader])).toBe(2);
    });

    it('lets messages behind a failing one flow while it waits for its retry', async () => {
      const work = spec('noblock', ['Job'], [400]);
      const done: string[] = [];
      await transport.consume(work, (d) => {
        const text = d.body.toString();
        if (text === 'bad' && d.attempt === 0) void d.retry('not yet');
        else {
          done.push(text);
          void d.ack();
        }
      });
      await transport.publish([message(exchange, 'Job', 'bad'), message(exchange, 'Job', 'good-1'), message(exchange, 'Job', 'good-2')]);
      await waitFor(() => done.length === 3, { what: 'all three' });
      expect(done).toEqual(['good-1', 'good-2', 'bad']);
    });

    it('dead-letters at once when told to, without retrying', async () => {
      const work = spec('poison', ['Poison'], [10_000]);
      await transport.consume(work, (d) => void d.deadLetter('malformed envelope: eventId: Invalid UUID'));
      const dead = collector();
      await transport.consume(deadLetters(work), dead.onDelivery);
      await transport.publish([message(exchange, 'Poison', '{not json')]);
      await waitFor(() => dead.received.length === 1, { what: 'dead letter' });
      expect(dead.received[0].headers[DeadLetterHeaders.reason]).toBe('malformed envelope: eventId: Invalid UUID');
      expect(Number(dead.received[0].headers[DeadLetterHeaders.attempts])).toBe(1);
    });

    it('holds back deliveries beyond the prefetch until earlier ones are acked', async () => {
      const work = { ...spec('prefetch', ['Many']), prefetch: 2 };
      const held = collector({ ack: false });
      await transport.consume(work, held.onDelivery);
      await transport.publish(['1', '2', '3', '4'].map((t) => message(exchange, 'Many', t)));
      await waitFor(() => held.received.length === 2);
      await new Promise((r) => setTimeout(r, 100));
      expect(held.received).toHaveLength(2);
      await held.received[0].ack();
      await waitFor(() => held.received.length === 3, { what: 'the third delivery' });
      expect(held.texts()).toEqual(['1', '2', '3']);
    });

    it('redelivers what was not acked when a consumer goes away', async () => {
      const work = spec('redeliver', ['Once']);
      const first = collector({ ack: false });
      const handle = await transport.consume(work, first.onDelivery);
      await transport.publish([message(exchange, 'Once', 'again')]);
      await waitFor(() => first.received.length === 1);
      await handle.cancel();
      expect(first.received[0].isLive()).toBe(false);
      const second = collector();
      await transport.consume(work, second.onDelivery);
      await waitFor(() => second.received.length === 1, { what: 'redelivery' });
      expect(second.texts()).toEqual(['again']);
    });

    it('stops delivering on stopDeliveries, and what was delivered is acked, not redelivered', async () => {
      const work = { ...spec('drain', ['Drain']), prefetch: 2 };
      const held = collector({ ack: false });
      const handle = await transport.consume(work, held.onDelivery);
      expect(handle.isAttached()).toBe(true);
      await transport.publish(['1', '2', '3'].map((t) => message(exchange, 'Drain', t)));
      await waitFor(() => held.received.length === 2);
      await handle.stopDeliveries();
      expect(handle.isAttached()).toBe(false);
      await Promise.all(held.received.map((d) => d.ack()));
      await new Promise((r) => setTimeout(r, 100));
      expect(held.texts()).toEqual(['1', '2']);
      await handle.cancel();
      await waitFor(async () => (await transport.countMessages!(work.name)) === 1, { what: 'only the undelivered message left' });
      const after = collector();
      await transport.consume(work, after.onDelivery);
      await waitFor(() => after.received.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(after.texts()).toEqual(['3']);
    });

    it('counts the messages ready in a queue, and knows a queue that does not exist', async () => {
      const work = spec('count', ['Count']);
      const handle = await transport.consume(work, () => undefined);
      await handle.cancel();
      await transport.publish(['1', '2'].map((t) => message(exchange, 'Count', t)));
      await waitFor(async () => (await transport.countMessages!(work.name)) === 2, { what: 'two messages counted' });
      expect(await transport.countMessages!(deadLetterQueueOf(work.name))).toBe(0);
      expect(await transport.countMessages!(`missing-${randomUUID()}`)).toBeUndefined();
    });

    it('gives a per-process queue that disappears with its consumer', async () => {
      const mine = { ...spec('gateway', ['CheckoutStatusChanged']), exclusive: true };
      const received = collector();
      const handle = await transport.consume(mine, received.onDelivery);
      await transport.publish([message(exchange, 'CheckoutStatusChanged', 'status')]);
      await waitFor(() => received.received.length === 1);
      await handle.cancel();
      const [afterwards] = await transport.publish([message(exchange, 'CheckoutStatusChanged', 'nobody')]);
      expect(afterwards).toEqual({ ok: true, routed: false });
    });
  });
}
