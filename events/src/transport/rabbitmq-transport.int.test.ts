import { createLogger } from '../logger';
import { TEST_AMQP_URL, deleteBrokerObjects, uniqueName } from '../testing';
import { describeTransportConformance } from './conformance';
import { RabbitMqTransport } from './rabbitmq-transport';

const prefix = `${uniqueName('conf')}.`;

describeTransportConformance(
  'RabbitMQ',
  async () => {
    const transport = new RabbitMqTransport({ url: TEST_AMQP_URL, prefix, logger: createLogger('conformance'), connectionName: prefix });
    await transport.connect();
    return {
      transport,
      cleanup: () => transport.close(),
    };
  },
  () => deleteBrokerObjects(prefix),
);
