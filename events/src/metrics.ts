import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** `reading`, or a rejection once `ms` have passed: a scrape or a probe never hangs on a stuck dependency. */
export function withTimeout<T>(reading: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([reading, timeout]).finally(() => clearTimeout(timer));
}

/**
 * What the gauges read from the broker and the database at scrape time. A read that failed or
 * took too long is left out, and its gauge keeps its previous value.
 */
export interface MessagingSample {
  /** The service's work queue (a service that only publishes has none). */
  queue?: { name: string; depth?: number; deadLetterDepth?: number; deadLetterQueue: string; consumerAttached: boolean };
  outbox?: { backlog: number; oldestUnsentAgeSeconds: number };
}

/** The record's service-level metrics for messaging, registered once per Prometheus registry. */
export class MessagingMetrics {
  private static readonly byRegistry = new WeakMap<Registry, MessagingMetrics>();

  static for(registry: Registry): MessagingMetrics {
    let metrics = MessagingMetrics.byRegistry.get(registry);
    if (!metrics) {
      metrics = new MessagingMetrics(registry);
      MessagingMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  readonly processed: Counter<'consumer' | 'event_type'>;
  readonly duplicates: Counter<'consumer' | 'event_type'>;
  readonly failures: Counter<'consumer' | 'event_type'>;
  readonly deadLettered: Counter<'consumer' | 'event_type' | 'cause'>;
  readonly expiredCommands: Counter<'consumer' | 'event_type'>;
  readonly processingSeconds: Histogram<'consumer' | 'event_type'>;
  readonly consumerLagSeconds: Histogram<'consumer' | 'event_type'>;
  readonly published: Counter<'exchange' | 'event_type'>;
  readonly unroutedEvents: Counter<'exchange' | 'event_type'>;
  readonly publishFailures: Counter<'exchange' | 'event_type'>;
  readonly retries: Counter<'consumer' | 'event_type'>;
  readonly queueDepth: Gauge<'queue'>;
  readonly deadLetterQueueDepth: Gauge<'queue'>;
  readonly consumerAttached: Gauge<'queue'>;
  readonly outboxBacklog: Gauge;
  readonly outboxOldestUnsentAgeSeconds: Gauge;
  private sampler?: () => Promise<MessagingSample>;
  private sampling?: Promise<MessagingSample>;

  /** Where the gauges read at scrape time (the service's bus). */
  readFrom(sampler: () => Promise<MessagingSample>): void {
    this.sampler = sampler;
  }

  /** One sample serves every gauge of one scrape: prom-client collects them all at once. */
  private sample(): Promise<MessagingSample> {
    this.sampling ??= (this.sampler?.() ?? Promise.resolve({})).finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    this.processed = new Counter({
      name: 'messaging_processed_total',
      help: 'Messages whose handler ran and committed',
      labelNames: ['consumer', 'event_type'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'messaging_duplicates_skipped_total',
      help: 'Redelivered messages the inbox recognised and skipped',
      labelNames: ['consumer', 'event_type'],
      registers,
    });
    this.failures = new Counter({
      name: 'messaging_failures_total',
      help: 'Handler attempts that failed (each retry counts)',
      labelNames: ['consumer', 'event_type'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'messaging_dead_lettered_total',
      help: 'Messages sent to a dead-letter queue',
      labelNames: ['consumer', 'event_type', 'cause'],
      registers,
    });
    this.expiredCommands = new Counter({
      name: 'messaging_expired_commands_total',
      help: 'Forward commands refused because their deadline had passed',
      labelNames: ['consumer', 'event_type'],
      registers,
    });
    this.processingSeconds = new Histogram({
      name: 'messaging_processing_seconds',
      help: 'Time to process a message, from delivery to commit',
      labelNames: ['consumer', 'event_type'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.consumerLagSeconds = new Histogram({
      name: 'messaging_consumer_lag_seconds',
      help: "Time from a message's timestamp to its commit by the consumer",
      labelNames: ['consumer', 'event_type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120, 600],
      registers,
    });
    this.published = new Counter({
      name: 'messaging_published_total',
      help: 'Messages the outbox relay published with a broker confirm',
      labelNames: ['exchange', 'event_type'],
      registers,
    });
    this.unroutedEvents = new Counter({
      name: 'messaging_unrouted_events_total',
      help: 'Events that no queue was bound for (normal pub/sub)',
      labelNames: ['exchange', 'event_type'],
      registers,
    });
    this.publishFailures = new Counter({
      name: 'messaging_publish_failures_total',
      help: 'Publish attempts that failed (unroutable commands, broker errors); retried',
      labelNames: ['exchange', 'event_type'],
      registers,
    });
    this.retries = new Counter({
      name: 'messaging_retries_total',
      help: 'Messages sent to a retry delay queue after their handler failed',
      labelNames: ['consumer', 'event_type'],
      registers,
    });
    const sample = () => this.sample();
    this.queueDepth = new Gauge({
      name: 'messaging_queue_depth',
      help: "Messages ready in the service's work queue, read from the broker at scrape time",
      labelNames: ['queue'],
      registers,
      async collect() {
        const { queue } = await sample();
        if (queue?.depth !== undefined) this.set({ queue: queue.name }, queue.depth);
      },
    });
    this.deadLetterQueueDepth = new Gauge({
      name: 'messaging_dead_letter_queue_depth',
      help: "Messages in the service's dead-letter queue, read from the broker at scrape time",
      labelNames: ['queue'],
      registers,
      async collect() {
        const { queue } = await sample();
        if (queue?.deadLetterDepth !== undefined) this.set({ queue: queue.deadLetterQueue }, queue.deadLetterDepth);
      },
    });
    this.consumerAttached = new Gauge({
      name: 'messaging_consumer_attached',
      help: "1 while the service's consumer is subscribed to its work queue, 0 otherwise",
      labelNames: ['queue'],
      registers,
      async collect() {
        const { queue } = await sample();
        if (queue) this.set({ queue: queue.name }, queue.consumerAttached ? 1 : 0);
      },
    });
    this.outboxBacklog = new Gauge({
      name: 'messaging_outbox_backlog',
      help: 'Outbox messages committed and not yet published',
      registers,
      async collect() {
        const { outbox } = await sample();
        if (outbox) this.set(outbox.backlog);
      },
    });
    this.outboxOldestUnsentAgeSeconds = new Gauge({
      name: 'messaging_outbox_oldest_unsent_age_seconds',
      help: 'Age of the oldest outbox message not yet published (0 when none waits)',
      registers,
      async collect() {
        const { outbox } = await sample();
        if (outbox) this.set(outbox.oldestUnsentAgeSeconds);
      },
    });
  }
}
