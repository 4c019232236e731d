import { TEST_AMQP_URL, brokerObjectNames } from '@shop/events/src/testing';
import amqplib from 'amqplib';

/**
 * The depth of every queue under a prefix, read with a passive declare (ready messages). The
 * gateway's own queue is left out: it is exclusive to the gateway's connection, which a passive
 * declare from another connection may not touch.
 */
export async function queueDepths(prefix: string): Promise<Map<string, number>> {
  const names = (await brokerObjectNames('queues', prefix)).filter((name) => !name.startsWith(`${prefix}gateway-`));
  const connection = await amqplib.connect(TEST_AMQP_URL);
  try {
    const depths = new Map<string, number>();
    for (const name of names) {
      // A queue deleted since it was listed closes the channel: one channel per queue.
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        depths.set(name.slice(prefix.length), (await channel.checkQueue(name)).messageCount);
        await channel.close();
      } catch {
        // gone since the listing: nothing waits in it
      }
    }
    return depths;
  } finally {
    await connection.close();
  }
}
