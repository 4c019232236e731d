import { Counter, Histogram, Registry } from 'prom-client';

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
  }
}
