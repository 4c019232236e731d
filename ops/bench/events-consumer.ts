// The consuming service of the events benchmark (the ledger world's "cart"), in a process of its
// own as in production. It tells the bench "ready" once its queue is declared and consumed, then
// reports each committed batch: the event ids and the commit time (epoch ms, sub-millisecond).
process.env.LOG_LEVEL ??= 'warn';

import { performance } from 'node:perf_hooks';
import { MessageBus, RabbitMqTransport, createLogger } from '@shop/events';
import { TEST_AMQP_URL, openTestOrm } from '@shop/events/src/testing';
import { ledgerSubscriptions, testRetryPolicy } from '@shop/events/src/testing/ledger';

export interface ConsumerProcessOptions {
  dbUrl: string;
  prefix: string;
  maxBatch?: number;
}

export interface CommittedBatch {
  ids: string[];
  at: number;
}

async function main(): Promise<void> {
  const { dbUrl, prefix, maxBatch } = JSON.parse(process.argv[2]) as ConsumerProcessOptions;
  const send = (message: CommittedBatch | 'ready') => process.send?.(message);
  const orm = await openTestOrm(dbUrl);
  const logger = createLogger('cart');
  const transport = new RabbitMqTransport({ url: TEST_AMQP_URL, prefix, logger, connectionName: `${prefix}cart` });
  await transport.connect();
  const bus = new MessageBus({
    service: 'cart',
    orm,
    transport,
    logger,
    retryPolicy: testRetryPolicy,
    subscriptions: ledgerSubscriptions(),
    consumer: {
      maxBatch,
      afterCommit: (messages) => {
        send({ ids: messages.map((m) => m.eventId), at: performance.timeOrigin + performance.now() });
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
