import { type DeadLetterStore, type QueuedDeadLetter, describeDeadLetter, redactCredentials } from '@shop/events';
import amqplib, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { DlqError } from './errors';

export interface MoveOptions {
  /** Messages stored per transaction (and acked together after it). */
  batchSize?: number;
  /** Called after a batch is committed and before it is acked (lets tests die at exactly that point). */
  beforeAck?: () => void | Promise<void>;
}

/**
 * The broker as the dead-letter tool sees it: plain AMQP on one connection. Names given here are
 * logical; the prefix (`QUEUE_PREFIX`) is applied to each.
 */
export class DeadLetterBroker {
  private constructor(
    private readonly connection: ChannelModel,
    private readonly prefix: string,
  ) {}

  static async connect(url: string, prefix: string): Promise<DeadLetterBroker> {
    const connection = await amqplib.connect(url, { clientProperties: { connection_name: 'dead-letter tool' } }).catch((err: Error) => {
      throw new DlqError(`RabbitMQ is not reachable at ${redactCredentials(url)}: ${err.message} (set AMQP_URL)`);
    });
    connection.on('error', () => undefined); // a failed operation reports the error; the event adds nothing
    return new DeadLetterBroker(connection, prefix);
  }

  /** How many messages wait in the queue; undefined if it does not exist (its service never consumed). */
  async depth(queue: string): Promise<number | undefined> {
    return this.withChannel(async (channel) => {
      try {
        return (await channel.checkQueue(this.prefix + queue)).messageCount;
      } catch (err) {
        if ((err as { code?: number }).code === 404) return undefined;
        throw err;
      }
    });
  }

  /**
   * Takes every message off the dead-letter queue into the store. Each batch is committed in the
   * store before it is acked, so a tool that dies midway loses nothing: the broker hands the
   * unacked messages over again, and the store keeps each one once. Returns how many were new.
   */
  async moveIntoStore(deadLetterQueue: string, store: DeadLetterStore, options: MoveOptions = {}): Promise<number> {
    if ((await this.depth(deadLetterQueue)) === undefined) return 0;
    return this.withChannel(async (channel) => {
      let stored = 0;
      for (;;) {
        const batch: GetMessage[] = [];
        while (batch.length < (options.batchSize ?? 100)) {
          const message = await channel.get(this.prefix + deadLetterQueue, { noAck: false });
          if (message === false) break;
          batch.push(message);
        }
        if (batch.length === 0) return stored;
        stored += await store.keep(batch.map((message) => describeDeadLetter(deadLetterQueue, queued(message))));
        await options.beforeAck?.();
        channel.ack(batch[batch.length - 1], true);
      }
    });
  }

  /** Publishes one message straight to a queue and waits for the broker's confirm. */
  async republish(
    queue: string,
    message: { body: Buffer; messageId: string | undefined; headers: Record<string, unknown> },
  ): Promise<void> {
    if ((await this.depth(queue)) === undefined) throw new DlqError(`queue ${this.prefix + queue} does not exist: start its service first`);
    const channel = await this.connection.createConfirmChannel();
    channel.on('error', () => undefined);
    try {
      channel.sendToQueue(this.prefix + queue, message.body, {
        persistent: true,
        messageId: message.messageId,
        contentType: 'application/json',
        headers: message.headers,
      });
      await channel.waitForConfirms();
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }

  /** A channel of its own per operation: the broker closes a channel on any failed operation, and closing one hands back what it left unacked. */
  private async withChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}

const queued = (message: GetMessage): QueuedDeadLetter => ({
  body: message.content,
  messageId: message.properties.messageId as string | undefined,
  headers: (message.properties.headers ?? {}) as Record<string, unknown>,
});
