import type { MikroORM } from '@mikro-orm/postgresql';
import { Registry } from 'prom-client';
import { ReleaseStock, ReserveStock, StockReserved } from '../catalog';
import type { Envelope } from '../envelope';
import { createLogger } from '../logger';
import { MessagingMetrics } from '../metrics';
import { Outbox } from '../outbox/outbox';
import { createTestDatabase, openTestOrm, type TestDatabase, waitFor } from '../testing';
import { InMemoryTransport } from '../transport/in-memory-transport';
import { type Handler, MessageConsumer, on } from './consumer';

// The consumer on the in-memory transport and a real database: what it does with each message
// before, during and after its handler.

const reservationId = '6f1c2b1e-8a39-4f43-9a55-1f0c3a1d2e10';
const orderId = '0b7e5f8e-3c3f-4f7a-8d55-2f6a1c9d8e11';

describe('MessageConsumer', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let transport: InMemoryTransport;
  let registry: Registry;
  let consumer: MessageConsumer;
  const checkout = new Outbox('checkout-service');

  const start = async (subscriptions: ReturnType<typeof on>[], options: { maxBatch?: number; concurrentBatches?: number } = {}) => {
    consumer = new MessageConsumer({
      service: 'inventory',
      orm,
      transport,
      subscriptions,
      retryDelaysMs: [20, 40],
      logger: createLogger('inventory'),
      metrics: MessagingMetrics.for(registry),
      ...options,
    });
    await consumer.start();
  };

  const send = async (...envelopes: Envelope[]) => {
    const results = await transport.publish(
      envelopes.map((e) => ({
        exchange: 'inventory-commands',
        routingKey: e.eventType,
        messageId: e.eventId,
        body: Buffer.from(JSON.stringify(e)),
        mandatory: true,
      })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
  };

  const rows = async <T>(sql: string): Promise<T[]> => orm.em.getConnection().execute(sql);
  const metric = async (name: string) => ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((s, v) => s + v.value, 0);

  const reserve = (notAfter: Date) =>
    checkout.envelope(
      ReserveStock,
      { reservationId, orderId, customerId: 'c-1', lines: [{ sku: 'SKU-1', quantity: 2 }] },
      { sequence: 1, correlationId: reservationId, notAfter },
    );

  beforeEach(async () => {
    db = await createTestDatabase('consumer');
    orm = await openTestOrm(db.url, { setupSql: ['create table handled (event_id uuid, note text)'] });
    transport = new InMemoryTransport();
    registry = new Registry();
  });

  afterEach(async () => {
    await consumer?.stop();
    await transport.close();
    await orm.close();
    await db.drop();
  });

  const record =
    (note: string): Handler<unknown> =>
    async (message, { em }) => {
      await em.getConnection().execute('insert into handled values (?, ?)', [message.eventId, note], 'run', em.getTransactionContext());
    };

  it('refuses an expired forward command before its handler runs, and carries out one in time', async () => {
    await start([on(ReserveStock, record('reserved')), on(ReleaseStock, record('released'))]);
    const late = reserve(new Date(Date.now() - 1_000));
    const inTime = reserve(new Date(Date.now() + 60_000));
    const release = checkout.envelope(ReleaseStock, { reservationId, orderId }, { sequence: 2, correlationId: reservationId });
    await send(late, inTime, release);
    await waitFor(async () => (await rows('select * from handled')).length === 2, { what: 'two handled' });
    expect(await rows('select event_id, note from handled order by note')).toEqual([
      { event_id: release.eventId, note: 'released' },
      { event_id: inTime.eventId, note: 'reserved' },
    ]);
    expect(await metric('messaging_expired_commands_total')).toBe(1);
    expect(transport.depth('inventory-service-queue.dlq')).toBe(0);
  });

  it('refuses a deadline on a command that never expires, and a forward command without one', () => {
    expect(() => checkout.envelope(ReleaseStock, { reservationId, orderId }, { sequence: 1, notAfter: new Date() })).toThrow(
      'ReleaseStock never expires: it takes no deadline',
    );
    expect(() =>
      checkout.envelope(ReserveStock, { reservationId, orderId, customerId: 'c', lines: [{ sku: 'A', quantity: 1 }] }, { sequence: 1 }),
    ).toThrow('ReserveStock is a forward command: it needs a deadline (notAfter)');
  });

  it("writes a handler's messages to the outbox in its transaction, with the correlation id, or not at all", async () => {
    let fail = true;
    await start([
      on(ReserveStock, async (message, context) => {
        await record('reserved')(message, context);
        context.publish(StockReserved, { ...message.data }, { sequence: 1 });
        await context.em.flush();
        if (fail) {
          fail = false;
          throw new Error('crashed after writing');
        }
      }),
    ]);
    const command = reserve(new Date(Date.now() + 60_000));
    await send(command);
    await waitFor(async () => (await rows('select * from outbox')).length === 1, { what: 'the outbox row' });
    const [row] = await rows<{ message_type: string; payload: Envelope; exchange: string; mandatory: boolean }>(
      'select message_type, payload, exchange, mandatory from outbox',
    );
    expect(row.message_type).toBe('StockReserved');
    expect(row.exchange).toBe('inventory-events');
    expect(row.mandatory).toBe(false);
    expect(row.payload.correlationId).toBe(reservationId);
    expect(row.payload.source).toBe('inventory-service');
    expect(await rows('select * from handled')).toHaveLength(1);
    expect(await metric('messaging_failures_total')).toBe(1);
  });

  it('commits the good messages of a batch and retries only the one that failed', async () => {
    const attempts = new Map<string, number>();
    await start(
      [
        on(ReleaseStock, async (message, context) => {
          const n = (attempts.get(message.eventId) ?? 0) + 1;
          attempts.set(message.eventId, n);
          if (message.sequence === 2 && n === 1) throw new Error('transient');
          await record(`seq-${message.sequence}`)(message, context);
        }),
      ],
      { maxBatch: 10 },
    );
    const releases = [1, 2, 3].map((sequence) =>
      checkout.envelope(ReleaseStock, { reservationId, orderId }, { sequence, correlationId: reservationId }),
    );
    await send(...releases);
    await waitFor(async () => (await rows('select * from handled')).length === 3, { what: 'all three' });
    expect((await rows<{ note: string }>('select note from handled order by note')).map((r) => r.note)).toEqual([
      'seq-1',
      'seq-2',
      'seq-3',
    ]);
    expect(attempts.get(releases[1].eventId)).toBe(2);
    expect(await metric('messaging_processed_total')).toBe(3);
    expect(await metric('messaging_duplicates_skipped_total')).toBe(0);
  });

  it("applies two batches at once, never two holding messages of the same aggregate: each message sees its aggregate's previous one", async () => {
    const reservations = ['a', 'b', 'c', 'd', 'e', 'f'].map((letter) => `6f1c2b1e-8a39-4f43-9a55-1f0c3a1d2e1${letter}`);
    const missedPrevious: string[] = [];
    let running = 0;
    let mostAtOnce = 0;
    await start(
      [
        on(ReleaseStock, async (message, context) => {
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          const { reservationId: id } = message.data;
          const previous: { seen: number }[] = await context.em
            .getConnection()
            .execute(
              'select count(*)::int as seen from handled where note = ?',
              [`${id}:${message.sequence - 1}`],
              'all',
              context.em.getTransactionContext(),
            );
          if (message.sequence > 1 && previous[0].seen === 0) missedPrevious.push(`${id}:${message.sequence}`);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
          await record(`${id}:${message.sequence}`)(message, context);
          running--;
        }),
      ],
      { maxBatch: 4, concurrentBatches: 2 },
    );
    for (let sequence = 1; sequence <= 5; sequence++) {
      await send(
        ...reservations.map((id) => checkout.envelope(ReleaseStock, { reservationId: id, orderId }, { sequence, correlationId: id })),
      );
    }
    await waitFor(async () => (await rows('select * from handled')).length === 30, { what: 'all thirty' });
    expect(mostAtOnce).toBe(2);
    expect(missedPrevious).toEqual([]);
    expect(await rows('select distinct note from handled')).toHaveLength(30);
  });

  it('finishes the batch in flight before stop() resolves', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    await start([
      on(ReleaseStock, async (message, context) => {
        entered = true;
        await gate;
        await record('slow')(message, context);
      }),
    ]);
    await send(checkout.envelope(ReleaseStock, { reservationId, orderId }, { sequence: 1 }));
    await waitFor(() => entered, { what: 'the handler to start' });
    const stopped = consumer.stop();
    setTimeout(release, 100);
    await stopped;
    expect(await rows('select * from handled')).toHaveLength(1);
  });
});
