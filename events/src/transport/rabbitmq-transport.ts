import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import { redactCredentials } from '../logger';
import { BaseDelivery, type DropLogger } from './delivery';
import {
  type Binding,
  type ConsumerHandle,
  type Delivery,
  type OutboundMessage,
  type PublishResult,
  type QueueSpec,
  type Transport,
  deadLetterQueueOf,
  hasDeadLetterQueue,
} from './transport';

export interface RabbitMqTransportOptions {
  url: string;
  /** Prefix of every exchange and queue name (`QUEUE_PREFIX`). */
  prefix?: string;
  /** Shown in the broker's connection list. */
  connectionName?: string;
  logger: DropLogger & { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  heartbeatSeconds?: number;
  /** How long a publish may wait (for instance while disconnected) before it is reported failed. */
  publishTimeoutMs?: number;
}

const retryQueueOf = (queue: string, level: number, delayMs: number) => `${queue}.retry-${level + 1}-${delayMs}ms`;

/**
 * RabbitMQ through amqp-connection-manager: reconnects, re-declares the topology and
 * re-subscribes on its own. Service queues are durable quorum queues; retries go through one
 * delay queue per level (queue TTL, then dead-lettered back to the work queue), so a failing
 * message never blocks the ones behind it.
 */
export class RabbitMqTransport implements Transport {
  private connection?: AmqpConnectionManager;
  private publisher?: ChannelWrapper;
  private readonly prefix: string;
  private readonly declaredExchanges = new Set<string>();
  /** Message ids the broker returned as unroutable; a return always precedes its confirm. */
  private readonly returned = new Set<string>();
  private readonly consumers = new Set<ChannelWrapper>();
  private reconnecting?: NodeJS.Timeout;

  constructor(private readonly options: RabbitMqTransportOptions) {
    this.prefix = options.prefix ?? '';
  }

  async connect(): Promise<void> {
    const { logger } = this.options;
    const connection = amqp.connect([this.options.url], {
      heartbeatIntervalInSeconds: this.options.heartbeatSeconds ?? 5,
      reconnectTimeInSeconds: 1,
      // Without TCP_NODELAY (amqplib leaves it off) a small frame written while the previous one
      // is unacknowledged waits for the broker's delayed ACK: about 40 ms on every quiet hop.
      connectionOptions: { noDelay: true, clientProperties: { connection_name: this.options.connectionName ?? 'shop' } },
    });
    connection.on('connect', () => logger.info({ broker: redactCredentials(this.options.url) }, 'broker connected'));
    connection.on('disconnect', ({ err }) => logger.warn({ err: err?.message }, 'broker disconnected; reconnecting'));
    connection.on('connectFailed', ({ err }) => logger.warn({ err: err?.message }, 'broker connection failed; retrying'));
    connection.on('blocked', ({ reason }) => logger.warn({ reason }, 'broker blocked publishing'));
    this.connection = connection;
    this.publisher = connection.createChannel({
      name: 'publisher',
      confirm: true,
      publishTimeout: this.options.publishTimeoutMs ?? 30_000,
      setup: (channel: ConfirmChannel) => {
        channel.on('error', (err: Error) => this.channelFailed('publisher', err));
        channel.on('return', (message: ConsumeMessage) => {
          if (message.properties.messageId) this.returned.add(message.properties.messageId);
        });
      },
    });
    this.publisher.on('error', (err) => logger.error({ err: err.message }, 'publisher channel error'));
    await connection.connect({ timeout: 30_000 });
    await this.publisher.waitForConnect();
  }

  isConnected(): boolean {
    return this.connection?.isConnected() ?? false;
  }

  async publish(messages: OutboundMessage[]): Promise<PublishResult[]> {
    const publisher = this.requirePublisher();
    await this.declareExchanges(messages.map((m) => m.exchange));
    const confirmations = messages.map((message) =>
      publisher
        .publish(this.prefix + message.exchange, message.routingKey, message.body, {
          persistent: true,
          mandatory: true,
          messageId: message.messageId,
          contentType: 'application/json',
          headers: message.headers,
        })
        .then((): PublishResult => {
          const routed = !this.returned.delete(message.messageId);
          if (!routed && message.mandatory) {
            return { ok: false, error: `unroutable: no queue is bound to ${this.prefix + message.exchange} for ${message.routingKey}` };
          }
          return { ok: true, routed };
        })
        .catch((err: Error): PublishResult => ({ ok: false, error: err.message })),
    );
    return Promise.all(confirmations);
  }

  async consume(spec: QueueSpec, onDelivery: (delivery: Delivery) => void): Promise<ConsumerHandle> {
    const connection = this.requireConnection();
    const { logger } = this.options;
    const queue = this.prefix + spec.name;
    /** Set once the broker should deliver nothing more (stopDeliveries or cancel): never subscribe again. */
    let stopped = false;
    /** The subscription the broker delivers to now, if any. */
    let attached: { channel: Channel; consumerTag: string } | undefined;
    const subscribe = async (ch: Channel, isLive: () => boolean, acks: ChannelAcks): Promise<void> => {
      if (stopped) return;
      await this.declareQueue(ch, spec);
      const { consumerTag } = await ch.consume(queue, (message) => {
        if (message !== null) {
          acks.delivered(message);
          onDelivery(new RabbitMqDelivery(message, spec, isLive, acks, this, logger));
          return;
        }
        // The broker cancelled us (queue deleted, leader moved): declare the queue again and resume.
        if (attached?.channel === ch) attached = undefined;
        if (stopped) return;
        logger.warn({ queue }, 'consumer cancelled by the broker; subscribing again');
        setTimeout(() => {
          if (stopped || !isLive()) return;
          subscribe(ch, isLive, acks).catch((err: Error) => {
            logger.error({ err: err.message, queue }, 'could not subscribe again; reconnecting');
            connection.reconnect();
          });
        }, 1_000);
      });
      attached = { channel: ch, consumerTag };
      spec.onConsuming?.();
    };
    const channel = connection.createChannel({
      name: `consumer ${queue}`,
      setup: async (ch: Channel) => {
        let live = true;
        ch.on('error', (err: Error) => this.channelFailed(`consumer ${queue}`, err));
        ch.on('close', () => {
          live = false;
          if (attached?.channel === ch) attached = undefined;
        });
        await ch.prefetch(spec.prefetch ?? 100);
        await subscribe(ch, () => live, new ChannelAcks(ch));
      },
    });
    channel.on('error', (err) => logger.error({ err: err.message, queue }, 'consumer channel error'));
    this.consumers.add(channel);
    await channel.waitForConnect();
    return {
      isAttached: () => attached !== undefined,
      stopDeliveries: async () => {
        stopped = true;
        const subscription = attached;
        attached = undefined;
        // The channel stays open, so what was delivered can still be acked on it.
        await subscription?.channel.cancel(subscription.consumerTag).catch(() => undefined);
      },
      cancel: async () => {
        stopped = true;
        attached = undefined;
        this.consumers.delete(channel);
        await channel.close();
      },
    };
  }

  /**
   * A passive declare of the queue on a channel of its own (a missing queue closes the channel it
   * is asked on), so queue depths are read over AMQP, with or without the management plugin.
   */
  async countMessages(queue: string): Promise<number | undefined> {
    const connection = this.requireConnection().connection;
    if (!connection) throw new Error('the broker is not connected');
    const channel = await connection.createChannel();
    channel.on('error', () => undefined); // a missing queue: answered below
    try {
      const { messageCount } = await channel.checkQueue(this.prefix + queue);
      return messageCount;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * A channel the broker closed with an error (a refused declaration, an unknown delivery tag) is
   * not reopened by amqp-connection-manager while the connection stays up: reconnect, which
   * reopens every channel and runs its setup again.
   */
  private channelFailed(channel: string, err: Error): void {
    this.options.logger.error({ err: err.message, channel }, 'channel closed by the broker; reconnecting');
    if (this.reconnecting || !this.connection) return;
    this.reconnecting = setTimeout(() => {
      this.reconnecting = undefined;
      this.connection?.reconnect();
    }, 1_000);
  }

  async close(): Promise<void> {
    clearTimeout(this.reconnecting);
    await Promise.all([...this.consumers].map((c) => c.close().catch(() => undefined)));
    this.consumers.clear();
    await this.publisher?.close().catch(() => undefined);
    await this.connection?.close();
    this.publisher = undefined;
    this.connection = undefined;
  }

  /** Publishes one copy straight to a queue (through the default exchange), confirmed. */
  async sendToQueue(queue: string, body: Buffer, messageId: string | undefined, headers: Record<string, string | number>): Promise<void> {
    await this.requirePublisher().sendToQueue(this.prefix + queue, body, {
      persistent: true,
      messageId,
      contentType: 'application/json',
      headers,
    });
  }

  /** A broker name without this transport's prefix. */
  logicalName(name: string): string {
    return name.startsWith(this.prefix) ? name.slice(this.prefix.length) : name;
  }

  retryQueueName(spec: QueueSpec, level: number): string {
    return retryQueueOf(spec.name, level, spec.retryDelaysMs[level]);
  }

  private async declareQueue(ch: Channel, spec: QueueSpec): Promise<void> {
    const queue = this.prefix + spec.name;
    await this.assertExchanges(ch, spec.bindings);
    if (spec.exclusive) {
      await ch.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
    } else {
      await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await Promise.all(
        spec.retryDelaysMs.map((delayMs, level) =>
          ch.assertQueue(this.prefix + retryQueueOf(spec.name, level, delayMs), {
            durable: true,
            arguments: {
              'x-queue-type': 'quorum',
              'x-message-ttl': delayMs,
              'x-dead-letter-exchange': '',
              'x-dead-letter-routing-key': queue,
              // Quorum queues dead-letter at most once unless told otherwise: a retry must not vanish.
              'x-dead-letter-strategy': 'at-least-once',
              'x-overflow': 'reject-publish',
            },
          }),
        ),
      );
    }
    if (hasDeadLetterQueue(spec)) {
      await ch.assertQueue(this.prefix + deadLetterQueueOf(spec.name), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    }
    for (const binding of spec.bindings) {
      await ch.bindQueue(queue, this.prefix + binding.exchange, binding.routingKey);
    }
  }

  private async assertExchanges(ch: Channel, bindings: Binding[]): Promise<void> {
    for (const exchange of new Set(bindings.map((b) => b.exchange))) {
      await ch.assertExchange(this.prefix + exchange, 'topic', { durable: true });
    }
  }

  private async declareExchanges(exchanges: string[]): Promise<void> {
    const fresh = [...new Set(exchanges)].filter((e) => !this.declaredExchanges.has(e));
    if (fresh.length === 0) return;
    for (const exchange of fresh) this.declaredExchanges.add(exchange);
    // addSetup runs now and again after every reconnect, so the exchanges always exist.
    await this.requirePublisher().addSetup((ch: ConfirmChannel) =>
      Promise.all(fresh.map((exchange) => ch.assertExchange(this.prefix + exchange, 'topic', { durable: true }))),
    );
  }

  private requireConnection(): AmqpConnectionManager {
    if (!this.connection) throw new Error('RabbitMqTransport is not connected: call connect() first');
    return this.connection;
  }

  private requirePublisher(): ChannelWrapper {
    if (!this.publisher) throw new Error('RabbitMqTransport is not connected: call connect() first');
    return this.publisher;
  }
}

/**
 * The acks of one channel, sent together once the current tick is over: one multiple-ack covers
 * every acked delivery older than the oldest one still in work, so a batch costs one frame (and
 * one settlement in the quorum queue) instead of one per message. An ack of a delivery behind one
 * still in work (a dead letter waiting for its confirm) goes alone: a multiple-ack would settle
 * that one too.
 */
class ChannelAcks {
  /** By delivery tag; the broker hands over no more than the prefetch. */
  private readonly unacked = new Map<number, ConsumeMessage>();
  private toSend: ConsumeMessage[] = [];

  constructor(private readonly channel: Channel) {}

  delivered(message: ConsumeMessage): void {
    this.unacked.set(message.fields.deliveryTag, message);
  }

  ack(message: ConsumeMessage): void {
    this.unacked.delete(message.fields.deliveryTag);
    if (this.toSend.push(message) === 1) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    const toSend = this.toSend;
    this.toSend = [];
    const oldestInWork = Math.min(...this.unacked.keys());
    let upTo: ConsumeMessage | undefined;
    try {
      for (const message of toSend) {
        const tag = message.fields.deliveryTag;
        if (tag > oldestInWork) this.channel.ack(message);
        else if (!upTo || tag > upTo.fields.deliveryTag) upTo = message;
      }
      if (upTo) this.channel.ack(upTo, true);
    } catch {
      // The channel closed meanwhile: its unacked messages are redelivered, and the inbox drops them.
    }
  }
}

class RabbitMqDelivery extends BaseDelivery {
  constructor(
    private readonly message: ConsumeMessage,
    spec: QueueSpec,
    private readonly channelIsLive: () => boolean,
    private readonly acks: ChannelAcks,
    private readonly transport: RabbitMqTransport,
    logger: DropLogger,
  ) {
    super(
      message.content,
      message.properties.headers ?? {},
      message.properties.messageId,
      spec,
      { exchange: transport.logicalName(message.fields.exchange), routingKey: message.fields.routingKey },
      logger,
    );
  }

  isLive(): boolean {
    return this.channelIsLive();
  }

  async ack(): Promise<void> {
    // A delivery tag belongs to the channel it came on: after that channel closed the broker
    // redelivers the message, and acking on another channel would ack the wrong one.
    if (this.channelIsLive()) this.acks.ack(this.message);
  }

  protected async forward(
    target: { retryLevel: number } | { deadLetterQueue: string },
    headers: Record<string, string | number>,
  ): Promise<void> {
    const queue = 'retryLevel' in target ? this.transport.retryQueueName(this.spec, target.retryLevel) : target.deadLetterQueue;
    await this.transport.sendToQueue(queue, this.body, this.messageId, headers);
  }
}
