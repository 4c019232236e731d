import { Client } from 'pg';
import { ReleaseStock, ReserveStock } from '../catalog';
import { type Subscription, on } from '../inbox/consumer';
import { waitFor } from '../testing';
import { Outbox } from './outbox';
import { type LedgerWorld, openLedgerWorld } from '../testing/ledger';

// The relay: several at once, each aggregate's messages in order, a row held by another relay
// holding back its aggregate's later rows, and a command that reaches no queue retried and
// reported while the messages behind it wait.

describe('OutboxRelay', () => {
  let world: LedgerWorld;

  beforeEach(async () => {
    world = await openLedgerWorld('relay');
  });

  afterEach(async () => {
    await world.close();
  });

  const published = async () =>
    ((await world.registry.getSingleMetric('messaging_published_total')?.get())?.values ?? []).reduce((s, v) => s + v.value, 0);

  it("lets two relays drain one outbox at once, publishing each message once and each aggregate's in order", async () => {
    await world.startConsumer();
    const skus = Array.from({ length: 20 }, (_, i) => `AGG-${i}`);
    for (let round = 0; round < 30; round++) await world.publishPriceChanges(skus);
    await Promise.all([world.startProducer(), world.startProducer()]);
    await waitFor(async () => (await world.applied()).total === 600, { what: 'all 600 applied', timeoutMs: 30_000 });
    expect(await published()).toBe(600);
    const rows: { sku: string; sequence: number }[] = await world.cartOrm.em
      .getConnection()
      .execute('select sku, sequence from applied order by position');
    for (const sku of skus) {
      const sequences = rows.filter((r) => r.sku === sku).map((r) => r.sequence);
      expect(sequences).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    }
  });

  it("holds back an aggregate's later rows while another relay holds an older one, and publishes the rest", async () => {
    await world.startConsumer();
    await world.publishPriceChanges(['HELD', 'FREE']);
    await world.publishPriceChanges(['HELD']);
    const outboxRows = () =>
      world.productOrm.em
        .getConnection()
        .execute<{ aggregate_key: string; sent: boolean }[]>('select aggregate_key, sent_at is not null as sent from outbox order by id');
    // Another relay's pass: the oldest HELD row locked until it commits.
    const otherRelay = new Client({ connectionString: world.productDb.url });
    await otherRelay.connect();
    try {
      await otherRelay.query('begin');
      await otherRelay.query(`select id from outbox where aggregate_key like '%HELD' order by id limit 1 for update`);
      await world.startProducer({ relay: { pollIntervalMs: 50 } });
      await waitFor(async () => (await world.ledger()).FREE === 1, { what: 'the free aggregate published' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await outboxRows()).map((r) => [r.aggregate_key.split(':')[1], r.sent])).toEqual([
        ['HELD', false],
        ['FREE', true],
        ['HELD', false],
      ]);
      expect((await world.ledger()).HELD).toBeUndefined();
      await otherRelay.query('rollback');
    } finally {
      await otherRelay.end();
    }
    await waitFor(async () => (await world.ledger()).HELD === 2, { what: 'both held rows published once the lock is gone' });
    const applied: { sequence: number }[] = await world.cartOrm.em
      .getConnection()
      .execute(`select sequence from applied where sku = 'HELD' order by position`);
    expect(applied.map((r) => r.sequence)).toEqual([1, 2]);
  });

  it('retries and reports a command that reaches no queue, holding back the messages behind it', async () => {
    const reservationId = '2d7f8c1a-5b6e-4c3d-9a8b-7c6d5e4f3a21';
    const orderId = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
    const outbox = new Outbox('checkout-service');
    await world.productOrm.em.fork().transactional(async (em) => {
      outbox.publish(
        em,
        ReserveStock,
        { reservationId, orderId, customerId: 'c-1', lines: [{ sku: 'S', quantity: 1 }] },
        {
          sequence: 1,
          notAfter: new Date(Date.now() + 60_000),
        },
      );
      outbox.publish(em, ReleaseStock, { reservationId, orderId }, { sequence: 2 });
    });
    await world.startProducer({ relay: { failureBackoffMs: { base: 50, max: 200 }, pollIntervalMs: 50 } });
    const rows = () =>
      world.productOrm.em
        .getConnection()
        .execute<{ message_type: string; attempts: number; last_error: string | null; sent_at: Date | null }[]>(
          'select message_type, attempts, last_error, sent_at from outbox order by id',
        );
    await waitFor(async () => (await rows())[0].attempts >= 2, { what: 'two failed attempts' });
    const [reserve, release] = await rows();
    expect(reserve.last_error).toMatch(/^unroutable: no queue is bound to .*inventory-commands for ReserveStock$/);
    expect(reserve.sent_at).toBeNull();
    expect(release).toMatchObject({ attempts: 0, sent_at: null });
    const failures = (await world.registry.getSingleMetric('messaging_publish_failures_total')?.get())?.values ?? [];
    expect(failures.reduce((s, v) => s + v.value, 0)).toBeGreaterThanOrEqual(2);

    const received: string[] = [];
    const record =
      (name: string): Subscription['handle'] =>
      async () => {
        received.push(name);
      };
    await world.startConsumer({
      service: 'inventory',
      subscriptions: [on(ReserveStock, record('ReserveStock')), on(ReleaseStock, record('ReleaseStock'))],
    });
    await waitFor(() => received.length === 2, { what: 'both commands' });
    expect(received).toEqual(['ReserveStock', 'ReleaseStock']);
    expect((await rows()).every((r) => r.sent_at !== null)).toBe(true);
  });
});
