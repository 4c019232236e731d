import type { MikroORM } from '@mikro-orm/postgresql';
import { Registry } from 'prom-client';
import { MessageBus, type MessageBusOptions } from '../bus';
import { ProductPriceChanged } from '../catalog';
import { on } from '../inbox/consumer';
import { createLogger } from '../logger';
import { Outbox } from '../outbox/outbox';
import type { QueueSpec } from '../transport/transport';
import { RabbitMqTransport } from '../transport/rabbitmq-transport';
import { TEST_AMQP_URL, createTestDatabase, deleteBrokerObjects, openTestOrm, uniqueName, type TestDatabase } from './index';

// A small world for messaging tests: a "product" database that publishes price changes through
// its outbox, and a "cart" database whose consumer bumps a counter per SKU (`ledger`) and logs
// each handler run (`applied`), so a double effect shows as two rows.

export const LEDGER_SQL = [
  'create table ledger (sku text primary key, value int not null default 0)',
  'create table applied (event_id uuid not null, sku text not null, sequence int not null, position serial primary key)',
];

export const testRetryPolicy = { retryLimit: 3, minIntervalMs: 50, maxIntervalMs: 1_000, intervalDeltaMs: 50 };

/** The consumer under test reacts to price changes by bumping the SKU's counter. */
export const ledgerSubscriptions = (options: { failFor?: (sku: string) => boolean } = {}) => [
  on(ProductPriceChanged, async (message, { em }) => {
    if (options.failFor?.(message.data.sku)) throw new Error(`cannot apply ${message.data.sku}`);
    // One statement, one round trip: the log row and the counter bump.
    await em.getConnection().execute(
      `with logged as (insert into applied (event_id, sku, sequence) values (?, ?, ?))
       insert into ledger (sku, value) values (?, 1) on conflict (sku) do update set value = ledger.value + 1`,
      [message.eventId, message.data.sku, message.sequence, message.data.sku],
      'run',
      em.getTransactionContext(),
    );
  }),
];

export interface LedgerWorld {
  productDb: TestDatabase;
  cartDb: TestDatabase;
  productOrm: MikroORM;
  cartOrm: MikroORM;
  prefix: string;
  registry: Registry;
  productOutbox: Outbox;
  openTransport(name: string): Promise<RabbitMqTransport>;
  /** The product service's bus: it only publishes (its relay drains the product outbox). */
  startProducer(options?: Partial<MessageBusOptions>): Promise<MessageBus>;
  /** The cart service's bus: its consumer applies price changes to the ledger. */
  startConsumer(options?: Partial<MessageBusOptions>): Promise<MessageBus>;
  ledger(): Promise<Record<string, number>>;
  applied(): Promise<{ total: number; distinct: number }>;
  unsentInOutbox(): Promise<number>;
  /** Writes price changes to the product outbox in one transaction, as the product service would. */
  publishPriceChanges(skus: string[]): Promise<string[]>;
  deadLetterSpec(): QueueSpec;
  close(): Promise<void>;
}

export async function openLedgerWorld(label: string): Promise<LedgerWorld> {
  const productDb = await createTestDatabase(`${label}_product`);
  const cartDb = await createTestDatabase(`${label}_cart`);
  const productOrm = await openTestOrm(productDb.url);
  const cartOrm = await openTestOrm(cartDb.url, { setupSql: LEDGER_SQL });
  const prefix = `${uniqueName(label)}.`;
  const registry = new Registry();
  const transports: RabbitMqTransport[] = [];
  const buses: MessageBus[] = [];
  const productOutbox = new Outbox('product-service');
  const sequences = new Map<string, number>();
  const cart = async <T>(sql: string): Promise<T[]> => cartOrm.em.getConnection().execute(sql);

  const world: LedgerWorld = {
    productDb,
    cartDb,
    productOrm,
    cartOrm,
    prefix,
    registry,
    productOutbox,
    async openTransport(name) {
      const transport = new RabbitMqTransport({
        url: TEST_AMQP_URL,
        prefix,
        logger: createLogger(name),
        connectionName: `${prefix}${name}`,
      });
      await transport.connect();
      transports.push(transport);
      return transport;
    },
    async startProducer(options = {}) {
      const bus = new MessageBus({
        service: 'product',
        orm: productOrm,
        transport: await world.openTransport('product'),
        logger: createLogger('product'),
        registry,
        ...options,
      });
      await bus.start();
      buses.push(bus);
      return bus;
    },
    async startConsumer(options = {}) {
      const bus = new MessageBus({
        service: 'cart',
        orm: cartOrm,
        transport: await world.openTransport('cart'),
        logger: createLogger('cart'),
        registry,
        retryPolicy: testRetryPolicy,
        subscriptions: ledgerSubscriptions(),
        ...options,
      });
      await bus.start();
      buses.push(bus);
      return bus;
    },
    async ledger() {
      const rows = await cart<{ sku: string; value: number }>('select sku, value from ledger');
      return Object.fromEntries(rows.map((r) => [r.sku, r.value]));
    },
    async applied() {
      const [row] = await cart<{ total: number; distinct: number }>(
        'select count(*)::int as total, count(distinct event_id)::int as "distinct" from applied',
      );
      return row;
    },
    async unsentInOutbox() {
      const [row] = await productOrm.em.getConnection().execute('select count(*)::int as n from outbox where sent_at is null');
      return row.n as number;
    },
    async publishPriceChanges(skus) {
      return productOrm.em.fork().transactional(async (em) =>
        skus.map((sku) => {
          const sequence = (sequences.get(sku) ?? 0) + 1;
          sequences.set(sku, sequence);
          return productOutbox.publish(
            em,
            ProductPriceChanged,
            { sku, oldPrice: '10.00', newPrice: '12.50', currency: 'GBP' },
            { sequence },
          ).eventId;
        }),
      );
    },
    deadLetterSpec: () => ({ name: 'cart-service-queue.dlq', bindings: [], retryDelaysMs: [], deadLetterQueue: false }),
    async close() {
      for (const bus of buses) await bus.stop();
      for (const transport of transports) await transport.close();
      await productOrm.close();
      await cartOrm.close();
      await productDb.drop();
      await cartDb.drop();
      await deleteBrokerObjects(prefix);
    },
  };
  return world;
}
