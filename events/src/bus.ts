import type { MikroORM } from '@mikro-orm/postgresql';
import { Registry } from 'prom-client';
import { trackUnresolvedDeadLetters } from './dead-letters/metrics';
import { MessageConsumer, type MessageConsumerOptions, type Subscription } from './inbox/consumer';
import { SEVEN_DAYS_MS, deleteExpiredMessageRecords } from './inbox/retention';
import type { Logger } from './logger';
import { type MessagingSample, MessagingMetrics, withTimeout } from './metrics';
import { Outbox, readOutboxBacklog } from './outbox/outbox';
import { OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay';
import { type RetryPolicy, recordRetryPolicy, retryDelays } from './retry-policy';
import { type Transport, deadLetterQueueOf } from './transport/transport';

/** The longest a scrape waits for the broker or the database, so /metrics never hangs. */
const SAMPLE_TIMEOUT_MS = 2_000;

export interface MessageBusOptions {
  /** The service, e.g. `cart`: it publishes as `cart-service` and consumes `cart-service-queue`. */
  service: string;
  orm: MikroORM;
  transport: Transport;
  logger: Logger;
  /** What the service reacts to; none for a service that only publishes. */
  subscriptions?: Subscription[];
  retryPolicy?: RetryPolicy;
  registry?: Registry;
  relay?: Pick<OutboxRelayOptions, 'maxBatch' | 'pollIntervalMs' | 'listen' | 'failureBackoffMs' | 'concurrentPasses'>;
  consumer?: Pick<MessageConsumerOptions, 'maxBatch' | 'prefetch' | 'concurrentBatches' | 'afterCommit'>;
  /** How long processed event ids and sent outbox rows are kept (default 7 days). */
  retentionMs?: number;
}

/** A service's messaging in one handle: its outbox, its relay, its consumer, and their housekeeping. */
export class MessageBus {
  readonly outbox: Outbox;
  readonly relay: OutboxRelay;
  readonly consumer?: MessageConsumer;
  readonly metrics: MessagingMetrics;
  private cleanup?: NodeJS.Timeout;

  constructor(private readonly options: MessageBusOptions) {
    this.metrics = MessagingMetrics.for(options.registry ?? new Registry());
    if (options.registry) trackUnresolvedDeadLetters(options.registry, options.service, options.orm);
    this.outbox = new Outbox(`${options.service}-service`);
    this.relay = new OutboxRelay({
      ...options.relay,
      orm: options.orm,
      transport: options.transport,
      logger: options.logger,
      metrics: this.metrics,
    });
    if (options.subscriptions?.length) {
      this.consumer = new MessageConsumer({
        ...options.consumer,
        service: options.service,
        orm: options.orm,
        transport: options.transport,
        subscriptions: options.subscriptions,
        retryDelaysMs: retryDelays(options.retryPolicy ?? recordRetryPolicy),
        logger: options.logger,
        metrics: this.metrics,
      });
    }
    this.metrics.readFrom(() => this.sample());
  }

  async start(): Promise<void> {
    await this.relay.start();
    await this.consumer?.start();
    const retentionMs = this.options.retentionMs ?? SEVEN_DAYS_MS;
    this.cleanup = setInterval(
      () => {
        deleteExpiredMessageRecords(this.options.orm, retentionMs).catch((err: Error) =>
          this.options.logger.warn({ err: err.message }, 'message retention cleanup failed; will try again'),
        );
      },
      Math.min(retentionMs, 60 * 60 * 1000),
    );
    this.cleanup.unref();
  }

  /**
   * Stops consuming (finishing and acking what was delivered), then stops the relay once it has
   * published everything committed, the handlers' messages included.
   */
  async stop(): Promise<void> {
    clearInterval(this.cleanup);
    await this.consumer?.stop();
    await this.relay.stop();
  }

  /** What the gauges show: the work queue and its dead letters (from the broker), and the outbox backlog. */
  private async sample(): Promise<MessagingSample> {
    const { transport, orm, logger } = this.options;
    const read = <T>(what: string, reading: Promise<T>): Promise<T | undefined> =>
      withTimeout(reading, SAMPLE_TIMEOUT_MS).catch((err: Error) => {
        logger.warn({ err: err.message }, `metrics: could not read ${what}; the gauge keeps its previous value`);
        return undefined;
      });
    const consumer = this.consumer;
    const count = (queue: string) => (transport.countMessages ? read(`the depth of ${queue}`, transport.countMessages(queue)) : undefined);
    const [depth, deadLetterDepth, outbox] = await Promise.all([
      consumer && count(consumer.queue),
      consumer && count(deadLetterQueueOf(consumer.queue)),
      read('the outbox backlog', readOutboxBacklog(orm)),
    ]);
    return {
      queue: consumer && {
        name: consumer.queue,
        depth,
        deadLetterQueue: deadLetterQueueOf(consumer.queue),
        deadLetterDepth,
        consumerAttached: consumer.isAttached(),
      },
      outbox,
    };
  }
}
