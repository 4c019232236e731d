// The consuming service of the events benchmark (the ledger world's "cart"), in a process of its
// own as in production. It tells the bench "ready" once its queue is declared and consumed, then
// reports each committed batch: the event ids, when each was delivered and the commit time (epoch
// ms, sub-millisecond).
process.env.LOG_LEVEL ??= 'warn';

import { performance } from 'node:perf_hooks';
import {
  type ConsumerHandle,
  DelegatingTransport,
  type Delivery,
  MessageBus,
  ProductPriceChanged,
  type QueueSpec,
  RabbitMqTransport,
  type Transport,
  createLogger,
  on,
} from '@shop/events';
import { TEST_AMQP_URL, openTestOrm } from '@shop/events/src/testing';
import { testRetryPolicy } from '@shop/events/src/testing/ledger';

export interface ConsumerProcessOptions {
  dbUrl: string;
  prefix: string;
  maxBatch?: number;
  concurrentBatches?: number;
}

export interface CommittedBatch {
  ids: string[];
  /** When the broker handed each of them to the consumer, in the order of `ids`. */
  deliveredAt: number[];
  at: number;
}

/**
 * The real effect of each event: one UPDATE of its SKU's counter in the consumer's database (the
 * bench seeds a row per SKU), through the handler's unit of work. A handler run twice counts twice,
 * which the bench's check against the inbox would show.
 */
const countPriceChanges = [
  on(ProductPriceChanged, async (message, { em }) => {
    await em
      .getConnection()
      .execute('update ledger set value = value + 1 where sku = ?', [message.data.sku], 'run', em.getTransactionContext());
  }),
];

const now = () => performance.timeOrigin + performance.now();

/** The transport, noting when each message is delivered (by message id, which is the event id). */
class DeliveryNotingTransport extends DelegatingTransport {
  constructor(
    inner: Transport,
    private readonly deliveredAt: Map<string, number>,
  ) {
    super(inner);
  }

  override consume(spec: QueueSpec, onDelivery: (delivery: Delivery) => void): Promise<ConsumerHandle> {
    return this.inner.consume(spec, (delivery) => {
      if (delivery.messageId) this.deliveredAt.set(delivery.messageId, now());
      onDelivery(delivery);
    });
  }
}

async function main(): Promise<void> {
  const { dbUrl, prefix, maxBatch, concurrentBatches } = JSON.parse(process.argv[2]) as ConsumerProcessOptions;
  const send = (message: CommittedBatch | 'ready') => process.send?.(message);
  const orm = await openTestOrm(dbUrl);
  const logger = createLogger('cart');
  const transport = new RabbitMqTransport({ url: TEST_AMQP_URL, prefix, logger, connectionName: `${prefix}cart` });
  await transport.connect();
  const deliveredAt = new Map<string, number>();
  const bus = new MessageBus({
    service: 'cart',
    orm,
    transport: new DeliveryNotingTransport(transport, deliveredAt),
    logger,
    retryPolicy: testRetryPolicy,
    subscriptions: countPriceChanges,
    consumer: {
      maxBatch,
      concurrentBatches,
      afterCommit: (messages) => {
        const at = now();
        const ids = messages.map((m) => m.eventId);
        send({ ids, deliveredAt: ids.map((id) => deliveredAt.get(id) ?? at), at });
        for (const id of ids) deliveredAt.delete(id);
      },
    },
  });
  await bus.start();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await bus.stop();
    await transport.close();
    await orm.close();
    process.exit(0);
  };
  process.on('message', (message) => message === 'stop' && void stop());
  // The bench went away without saying stop: nothing is left to report to.
  process.on('disconnect', () => void stop());
  send('ready');
}

main().catch((err) => {
  console.error(`[bench:events consumer] ${(err as Error).stack ?? err}`);
  process.exit(1);
});
