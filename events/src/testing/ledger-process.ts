import { Registry } from 'prom-client';
import { MessageBus } from '../bus';
import { ProductPriceChanged } from '../catalog';
import { createLogger } from '../logger';
import { RabbitMqTransport } from '../transport/rabbitmq-transport';
import { TEST_AMQP_URL, openTestOrm } from './index';
import { ledgerSubscriptions } from './ledger';

// A real service process for the crash tests: it kills itself with SIGKILL at the exact point
// under test, so nothing after that point (an ack, a publish) can happen.
//   consumer-dies-before-ack <dbUrl> <prefix>: commits its first batch, then dies before acking.
//   producer-dies-before-publish <dbUrl> <prefix> <sku>: commits a change with its event, then dies.

async function main(): Promise<void> {
  const [mode, dbUrl, prefix, sku] = process.argv.slice(2);
  const orm = await openTestOrm(dbUrl);
  const logger = createLogger(mode);
  const transport = new RabbitMqTransport({ url: TEST_AMQP_URL, prefix, logger, connectionName: `${prefix}${mode}` });
  await transport.connect();
  if (mode === 'consumer-dies-before-ack') {
    const bus = new MessageBus({
      service: 'cart',
      orm,
      transport,
      logger,
      registry: new Registry(),
      subscriptions: ledgerSubscriptions(),
      consumer: { maxBatch: 1, afterCommit: () => void process.kill(process.pid, 'SIGKILL') },
    });
    await bus.start();
    process.send?.('ready');
  } else if (mode === 'producer-dies-before-publish') {
    const bus = new MessageBus({ service: 'product', orm, transport, logger, registry: new Registry() });
    await bus.start();
    await orm.em.fork().transactional(async (em) => {
      bus.outbox.publish(em, ProductPriceChanged, { sku, oldPrice: '1.00', newPrice: '2.00', currency: 'GBP' }, { sequence: 1 });
    });
    process.kill(process.pid, 'SIGKILL');
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
