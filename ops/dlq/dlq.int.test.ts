import { execFile } from 'node:child_process';
import { ProductPriceChanged } from '@shop/events';
import { TEST_AMQP_URL, deliver, waitFor } from '@shop/events/src/testing';
import { type LedgerWorld, ledgerSubscriptions, openLedgerWorld } from '@shop/events/src/testing/ledger';
import { SERVICE_NAMES } from '@shop/platform';
import { DeadLetterBroker } from './broker';
import { runDlq } from './cli';
import { moveIntoStores } from './commands';
import { DlqSession } from './session';
import { loadDlqConfig } from './targets';

// The dead-letter tool against the real PostgreSQL and RabbitMQ: the ledger world's cart consumer
// fails on purpose until the test "fixes" it, so its messages end in cart-service-queue.dlq.

const CART_DLQ = 'cart-service-queue.dlq';
const EIGHT_DAYS_MS = 8 * 24 * 60 * 60 * 1000;

describe('dead-letter tool (PostgreSQL + RabbitMQ)', () => {
  let world: LedgerWorld;
  let broker: DeadLetterBroker;
  let handlerBroken: boolean;

  /** Every service's store in the test database (rows say which queue they came from), on the world's queue prefix. */
  const toolEnv = () => ({
    AMQP_URL: TEST_AMQP_URL,
    QUEUE_PREFIX: world.prefix,
    ...Object.fromEntries(SERVICE_NAMES.map((service) => [`${service.toUpperCase()}_DATABASE_URL`, world.cartDb.url])),
  });

  const dlq = async (...argv: string[]) => {
    const output = { stdout: '', stderr: '' };
    const code = await runDlq(argv, toolEnv(), {
      stdout: (text) => (output.stdout += `${text}\n`),
      stderr: (text) => (output.stderr += `${text}\n`),
    });
    return { code, ...output };
  };

  const dlqJson = async (...argv: string[]) => {
    const { code, stdout, stderr } = await dlq(...argv, '--json');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(stdout);
  };

  const metricValue = async (name: string, labels: Record<string, string>): Promise<number | undefined> => {
    const metric = await world.registry.getSingleMetric(name)?.get();
    return metric?.values.find((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))?.value;
  };

  const storedRows = async (): Promise<number> => {
    const [row] = await world.cartOrm.em.getConnection().execute('select count(*)::int as n from dead_letters');
    return row.n as number;
  };

  const deadLettersWaiting = (count: number) =>
    waitFor(async () => (await broker.depth(CART_DLQ)) === count, { what: `${count} dead letter(s) in the queue` });

  beforeEach(async () => {
    world = await openLedgerWorld('dlq');
    handlerBroken = true;
    await world.startConsumer({ subscriptions: ledgerSubscriptions({ failFor: () => handlerBroken }) });
    await world.startProducer();
    broker = await DeadLetterBroker.connect(TEST_AMQP_URL, world.prefix);
  });

  afterEach(async () => {
    await broker.close();
    await world.close();
  });

  it('lists, shows and replays a dead letter; the fixed handler applies it once, and a second replay is dropped by the inbox', async () => {
    const [eventId] = await world.publishPriceChanges(['BAD-1']);
    await deadLettersWaiting(1);

    const table = await dlq('list');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Moved 1 dead letter from the queues into the store.');
    expect(table.stdout).toMatch(/ID\s+EVENT ID\s+TYPE\s+ATTEMPTS\s+DEAD-LETTERED\s+STATUS\s+REASON/);
    expect(table.stdout).toMatch(
      new RegExp(`cart-\\d+\\s+${eventId}\\s+ProductPriceChanged\\s+4\\s+\\S+\\s+unresolved\\s+gave up after 4 attempts`),
    );
    expect(await broker.depth(CART_DLQ)).toBe(0);

    const listed = await dlqJson('list', '--queue', 'cart');
    expect(listed).toEqual({ command: 'list', moved: 0, skipped: [], deadLetters: [expect.objectContaining({ eventId })] });
    const [letter] = listed.deadLetters;
    expect(letter).toMatchObject({
      eventType: 'ProductPriceChanged',
      service: 'cart',
      originQueue: 'cart-service-queue',
      reason: 'gave up after 4 attempts: cannot apply BAD-1',
      attempts: 4,
      resolution: null,
    });
    expect(await metricValue('messaging_dead_letter_store_unresolved', { service: 'cart' })).toBe(1);

    const shown = await dlq('show', letter.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^id:\\s+${letter.id}$`, 'm'));
    expect(shown.stdout).toMatch(/^reason:\s+gave up after 4 attempts: cannot apply BAD-1$/m);
    expect(shown.stdout).toContain('"sku": "BAD-1"');
    const detail = (await dlqJson('show', letter.id)).deadLetter;
    expect(JSON.parse(detail.body)).toMatchObject({ eventId, data: { sku: 'BAD-1' } });
    expect(detail.headers).toMatchObject({ 'x-dead-letter-reason': 'gave up after 4 attempts: cannot apply BAD-1', 'x-attempts': 4 });

    handlerBroken = false;
    expect(await dlqJson('replay', letter.id)).toMatchObject({ replayed: [{ id: letter.id, eventId, resolution: 'replayed' }] });
    await waitFor(async () => (await world.ledger())['BAD-1'] === 1, { what: 'the replayed message applied' });
    expect(await world.applied()).toEqual({ total: 1, distinct: 1 });
    expect(await metricValue('messaging_dead_letter_store_unresolved', { service: 'cart' })).toBe(0);
    expect((await dlqJson('list')).deadLetters).toEqual([]);
    expect((await dlqJson('list', '--all')).deadLetters).toEqual([expect.objectContaining({ id: letter.id, resolution: 'replayed' })]);

    expect((await dlq('replay', letter.id)).code).toBe(0);
    await waitFor(async () => (await metricValue('messaging_duplicates_skipped_total', { consumer: 'cart-service' })) === 1, {
      what: 'the second replay recognised as a duplicate',
    });
    expect(await world.ledger()).toEqual({ 'BAD-1': 1 });
    expect(await world.applied()).toEqual({ total: 1, distinct: 1 });
  });

  it('replays a message older than the inbox dedup window only with --force, and replay --all refuses it without', async () => {
    const sender = await world.openTransport('old-sender');
    const fresh = world.productOutbox.envelope(
      ProductPriceChanged,
      { sku: 'OLD-1', oldPrice: '1.00', newPrice: '2.00', currency: 'GBP' },
      { sequence: 1 },
    );
    await deliver(sender, ProductPriceChanged, { ...fresh, timestamp: new Date(Date.now() - EIGHT_DAYS_MS).toISOString() });
    await deadLettersWaiting(1);
    const [letter] = (await dlqJson('list')).deadLetters;
    handlerBroken = false;

    const refused = await dlq('replay', letter.id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`nothing replayed: ${letter.id} was sent more than 7 days ago`);
    expect(refused.stderr).toContain('--force');
    const refusedAll = await dlq('replay', '--all', '--queue', 'cart-service-queue');
    expect(refusedAll.code).toBe(1);
    expect(refusedAll.stderr).toContain(`nothing replayed: ${letter.id}`);
    expect(refusedAll.stdout).toBe('');

    expect((await dlqJson('replay', letter.id, '--force')).replayed).toEqual([expect.objectContaining({ id: letter.id })]);
    await waitFor(async () => (await world.ledger())['OLD-1'] === 1, { what: 'the forced replay applied' });
  });

  it('purges: empties the queue into the store, then keeps every entry there marked purged', async () => {
    await world.publishPriceChanges(['BAD-1']);
    await deadLettersWaiting(1);
    expect((await dlqJson('list')).moved).toBe(1);
    await world.publishPriceChanges(['BAD-2']);
    await deadLettersWaiting(1);

    const purged = await dlqJson('purge', '--queue', CART_DLQ);
    expect(purged.moved).toBe(1);
    expect(purged.purged.map((l: { resolution: string }) => l.resolution)).toEqual(['purged', 'purged']);
    expect(await broker.depth(CART_DLQ)).toBe(0);
    expect((await dlqJson('list')).deadLetters).toEqual([]);
    expect((await dlqJson('list', '--all')).deadLetters).toHaveLength(2);
    expect(await metricValue('messaging_dead_letter_store_unresolved', { service: 'cart' })).toBe(0);
    expect(await world.ledger()).toEqual({});
  });

  it('loses nothing and stores nothing twice when it dies after storing a batch and before acking it', async () => {
    await world.publishPriceChanges(['BAD-1', 'BAD-2']);
    await deadLettersWaiting(2);
    const session = await DlqSession.open(loadDlqConfig(toolEnv()));
    try {
      const dying = { beforeAck: () => Promise.reject(new Error('killed before the ack')) };
      await expect(moveIntoStores(session, 'cart', { move: dying })).rejects.toThrow('killed before the ack');
      expect(await storedRows()).toBe(2);
      // The broker hands back what was never acked.
      await deadLettersWaiting(2);

      expect((await moveIntoStores(session, 'cart')).moved).toBe(0);
      expect(await broker.depth(CART_DLQ)).toBe(0);
      expect(await storedRows()).toBe(2);
    } finally {
      await session.close();
    }
    expect((await dlqJson('list')).deadLetters).toHaveLength(2);
  });

  it('as a command: one JSON document on stdout, and a non-zero exit with a message on bad arguments', async () => {
    const [eventId] = await world.publishPriceChanges(['BAD-1']);
    await deadLettersWaiting(1);
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', require.resolve('./main.ts'), ...args],
          { env: { ...process.env, ...toolEnv() } },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
        );
      });

    const listed = await cli('list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).deadLetters).toEqual([expect.objectContaining({ eventId, service: 'cart' })]);

    const unknownId = await cli('show', 'cart-999999');
    expect(unknownId).toMatchObject({ code: 1, stdout: '' });
    expect(unknownId.stderr).toContain('no dead letter cart-999999 in the cart store');

    const unknownQueue = await cli('list', '--queue', 'nowhere');
    expect(unknownQueue.code).toBe(2);
    expect(unknownQueue.stderr).toContain('unknown queue nowhere');

    const noCommand = await cli('--json');
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain('missing command: one of list, show, replay, purge');
  });
});
