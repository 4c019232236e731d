import type { MikroORM } from '@mikro-orm/postgresql';
import { Registry } from 'prom-client';
import { MessageConsumer, type MessageConsumerOptions, type Subscription } from './inbox/consumer';
import { SEVEN_DAYS_MS, deleteExpiredMessageRecords } from './inbox/retention';
import type { Logger } from './logger';
import { MessagingMetrics } from './metrics';
import { Outbox } from './outbox/outbox';
import { OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay';
import { type RetryPolicy, recordRetryPolicy, retryDelays } from './retry-policy';
import type { Transport } from './transport/transport';

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
  relay?: Pick<OutboxRelayOptions, 'maxBatch' | 'pollIntervalMs' | 'listen' | 'failureBackoffMs'>;
  consumer?: Pick<MessageConsumerOptions, 'maxBatch' | 'prefetch' | 'afterCommit'>;
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

  /** Stops consuming (finishing the batch in flight), then lets the relay finish its pass. */
  async stop(): Promise<void> {
    clearInterval(this.cleanup);
    await this.consumer?.stop();
    await this.relay.stop();
  }
}
