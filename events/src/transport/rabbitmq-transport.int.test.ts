import { createLogger } from '../logger';
import amqplib from 'amqplib';
import { TEST_AMQP_URL, deleteBrokerObjects, uniqueName, waitFor } from '../testing';
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

describe('RabbitMQ transport when the broker refuses a channel', () => {
  const ownPrefix = `${uniqueName('chanerr')}.`;

  afterAll(() => deleteBrokerObjects(ownPrefix));

  it('logs the channel error and keeps the process alive', async () => {
    // The queue exists as a classic queue: declaring it as a quorum queue makes the broker close the channel.
    const connection = await amqplib.connect(TEST_AMQP_URL);
    const setupChannel = await connection.createChannel();
    await setupChannel.assertQueue(`${ownPrefix}clash`, { durable: true });
    await connection.close();
    const errors: string[] = [];
    const logger = Object.assign(createLogger('channel-error'), {
      error: (obj: { err?: string }) => errors.push(String(obj.err)),
    });
    const transport = new RabbitMqTransport({ url: TEST_AMQP_URL, prefix: ownPrefix, logger, connectionName: `${ownPrefix}clash` });
    await transport.connect();
    const consuming = transport.consume({ name: 'clash', bindings: [], retryDelaysMs: [] }, () => undefined);
    await waitFor(() => errors.some((e) => e.includes('PRECONDITION_FAILED')), { what: 'the refusal to be logged' });
    expect(transport.isConnected()).toBe(true);
    await transport.close();
    void consuming.catch(() => undefined);
  });
});
