import type { EntityManager } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type DataOf, type MessageContract, exchangeOf, sourceOf } from '../contract';
import { type Envelope, EnvelopeSchema, describeIssues } from '../envelope';
import type { Logger } from '../logger';
import type { MessagingMetrics } from '../metrics';
import { Outbox, type PublishOptions } from '../outbox/outbox';
import { PreparedStatement } from '../prepared-statement';
import { SpanKind, activeTraceId, inSpan, isTracing } from '../tracing';
import type { ConsumerHandle, Delivery, QueueSpec, Transport } from '../transport/transport';

export interface HandlerContext {
  /** This message's own unit of work, inside the transaction that also records it in the inbox. */
  em: EntityManager;
  /** Publishes through the outbox in the same transaction; the correlation id carries over. */
  publish<C extends MessageContract>(
    contract: C,
    data: DataOf<C>,
    options: Omit<PublishOptions, 'correlationId'> & { correlationId?: string },
  ): void;
  logger: Logger;
}

export type Handler<Data> = (message: Envelope<Data>, context: HandlerContext) => Promise<void>;

export interface Subscription {
  readonly contract: MessageContract;
  readonly handle: Handler<unknown>;
}

/** One line of a service's subscription list: "when this message arrives, do that". */
export function on<C extends MessageContract>(contract: C, handle: Handler<DataOf<C>>): Subscription {
  return { contract, handle: handle as Handler<unknown> };
}

export interface MessageConsumerOptions {
  /** The consuming service, e.g. `cart`: its queue is `cart-service-queue`, its inbox rows say `cart-service`. */
  service: string;
  orm: MikroORM;
  transport: Transport;
  subscriptions: Subscription[];
  retryDelaysMs: number[];
  logger: Logger;
  metrics: MessagingMetrics;
  /** Most messages applied in one transaction (default 250); a batch is whatever is waiting, never waited for. */
  maxBatch?: number;
  /** Unacked messages the broker may hand over (default 500): twice a batch, so the next one waits ready. */
  prefetch?: number;
  /**
   * Batches applied at once, each in its own transaction on a connection of the pool (default 2;
   * 1 with a single-connection pool): the service works on one while the database works on the other.
   * A batch starts beside one in flight only once a backlog waits (MIN_WAITING_FOR_ANOTHER_BATCH).
   */
  concurrentBatches?: number;
  /** Called after a batch committed and before it is acked (lets tests crash at exactly that point). */
  afterCommit?: (messages: Envelope[]) => void | Promise<void>;
}

interface Decoded {
  delivery: Delivery;
  envelope: Envelope;
  subscription: Subscription;
  /** As the outbox keys it: two batches at once never hold messages of the same aggregate. */
  aggregate: string;
  receivedAt: number;
}

class Rejection extends Error {
  constructor(
    message: string,
    readonly kind: 'malformed' | 'unknown-type' | 'unsupported-version' | 'invalid-data' | 'wrong-source',
    /** Set only for types this consumer knows, so a forged type never becomes a metric label. */
    readonly eventType = 'unknown',
  ) {
    super(message);
  }
}

/**
 * Messages that must be waiting (or a full batch, if smaller) before a batch starts beside one in
 * flight. At a low rate a second batch would hold one or two messages and pay a whole transaction
 * (begin, inbox insert, commit) for them: at 1,000 events/s that CPU cost more latency than the
 * overlap saved. A backlog still gets two batches at once.
 */
const MIN_WAITING_FOR_ANOTHER_BATCH = 16;

/** The batch's inbox rows; those already there (a redelivery) come back missing, and their handlers are skipped. */
const INSERT_PROCESSED = new PreparedStatement<{ event_id: string }>(
  'inbox_insert_processed',
  `insert into processed_events (consumer, event_id)
     select ?, value::uuid from jsonb_array_elements_text(?::jsonb)
     on conflict do nothing returning event_id`,
);

export const serviceQueueOf = (service: string): string => `${service}-service-queue`;

/**
 * Takes a service's messages off its queue and applies each exactly once: validated before any
 * effect, recorded in the inbox in the same transaction as the handler's effects, acked after
 * the commit. Messages already waiting are applied together in one transaction (each in its own
 * unit of work); if that fails, each is retried alone so one bad message never holds back others.
 * Two batches run at once by default (concurrentBatches), as with two instances of the service,
 * except that an aggregate's messages wait while another batch holds one of its messages: each
 * aggregate's apply in order.
 */
export class MessageConsumer {
  readonly queue: string;
  readonly consumerName: string;
  private readonly byType = new Map<string, Map<string, Subscription>>();
  private readonly outbox: Outbox;
  private readonly concurrentBatches: number;
  /** Decoded as they arrive, while the batches in flight wait on the database. */
  private waiting: Decoded[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** The aggregates of the messages in the batches in flight. */
  private readonly busyAggregates = new Set<string>();
  /** Dead letters and acks settled outside a batch, which stop() waits for before closing the channel. */
  private readonly settling = new Set<Promise<void>>();
  private handle?: ConsumerHandle;

  constructor(private readonly options: MessageConsumerOptions) {
    this.queue = serviceQueueOf(options.service);
    this.consumerName = `${options.service}-service`;
    this.outbox = new Outbox(this.consumerName);
    this.concurrentBatches = options.concurrentBatches ?? (options.orm.config.get('pool')?.max === 1 ? 1 : 2);
    if (!Number.isInteger(this.concurrentBatches) || this.concurrentBatches < 1) {
      throw new Error(`concurrentBatches must be a positive integer, not ${this.concurrentBatches}`);
    }
    for (const subscription of options.subscriptions) {
      const versions = this.byType.get(subscription.contract.name) ?? new Map<string, Subscription>();
      if (versions.has(subscription.contract.version)) {
        throw new Error(`${this.consumerName} subscribes twice to ${subscription.contract.name} ${subscription.contract.version}`);
      }
      versions.set(subscription.contract.version, subscription);
      this.byType.set(subscription.contract.name, versions);
    }
  }

  get spec(): QueueSpec {
    const bindings = new Map<string, { exchange: string; routingKey: string }>();
    for (const { contract } of this.options.subscriptions) {
      bindings.set(`${exchangeOf(contract)}/${contract.name}`, { exchange: exchangeOf(contract), routingKey: contract.name });
    }
    return {
      name: this.queue,
      bindings: [...bindings.values()],
      retryDelaysMs: this.options.retryDelaysMs,
      prefetch: this.options.prefetch ?? 500,
    };
  }

  async start(): Promise<void> {
    this.handle = await this.options.transport.consume(this.spec, (delivery) => this.receive(delivery));
  }

  /** Whether the broker delivers to this consumer right now. */
  isAttached(): boolean {
    return this.handle?.isAttached() ?? false;
  }

  /**
   * Stops taking messages, applies and acks every message already delivered, then closes the
   * subscription: nothing in flight is lost, and nothing goes back to the queue to run again.
   */
  async stop(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.stopDeliveries();
    while (this.inFlight.size > 0 || this.settling.size > 0) await Promise.all([...this.inFlight, ...this.settling]);
    await handle?.cancel();
  }

  private settle(settlement: Promise<void>): void {
    this.settling.add(settlement);
    void settlement.finally(() => this.settling.delete(settlement));
  }

  private receive(delivery: Delivery): void {
    // Rejections and expired commands are settled here; the rest wait to be applied together.
    const decoded = this.decode(delivery, Date.now());
    if (!decoded) return;
    this.waiting.push(decoded);
    this.startBatches();
  }

  private startBatches(): void {
    const enoughForAnother = Math.min(this.options.maxBatch ?? 250, MIN_WAITING_FOR_ANOTHER_BATCH);
    while (this.inFlight.size < this.concurrentBatches) {
      if (this.inFlight.size > 0 && this.waiting.length < enoughForAnother) return;
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      const aggregates = new Set(batch.map((d) => d.aggregate));
      for (const aggregate of aggregates) this.busyAggregates.add(aggregate);
      const running = this.apply(batch)
        .catch((err: Error) => this.options.logger.error({ err: err.message }, 'unexpected error while processing a batch'))
        .finally(() => {
          for (const aggregate of aggregates) this.busyAggregates.delete(aggregate);
          this.inFlight.delete(running);
          this.startBatches();
        });
      this.inFlight.add(running);
    }
  }

  /**
   * The oldest waiting messages, up to a batch, leaving in wait those of an aggregate held by a
   * batch in flight and every later one of the same aggregate. Messages of a closed channel are
   * dropped: the broker delivers them again.
   */
  private takeBatch(): Decoded[] {
    const batch: Decoded[] = [];
    const stillWaiting: Decoded[] = [];
    const heldBack = new Set<string>();
    const maxBatch = this.options.maxBatch ?? 250;
    for (const decoded of this.waiting) {
      if (!decoded.delivery.isLive()) continue;
      const { aggregate } = decoded;
      if (batch.length < maxBatch && !this.busyAggregates.has(aggregate) && !heldBack.has(aggregate)) batch.push(decoded);
      else {
        heldBack.add(aggregate);
        stillWaiting.push(decoded);
      }
    }
    this.waiting = stillWaiting;
    return batch;
  }

  private decode(delivery: Delivery, receivedAt: number): Decoded | undefined {
    const { logger, metrics } = this.options;
    try {
      const { envelope, subscription } = this.validate(delivery.body);
      const { contract } = subscription;
      if (contract.kind === 'command' && contract.expires && envelope.notAfter && Date.parse(envelope.notAfter) < receivedAt) {
        metrics.expiredCommands.inc({ consumer: this.consumerName, event_type: envelope.eventType });
        logger.warn(
          { eventId: envelope.eventId, eventType: envelope.eventType, correlationId: envelope.correlationId, notAfter: envelope.notAfter },
          'command refused: its deadline has passed; nothing was done',
        );
        this.settle(delivery.ack());
        return undefined;
      }
      const aggregate = `${exchangeOf(contract)}:${contract.aggregateOf(envelope.data)}`;
      return { delivery, envelope, subscription, aggregate, receivedAt };
    } catch (err) {
      const rejection = err instanceof Rejection ? err : new Rejection(`malformed message: ${(err as Error).message}`, 'malformed');
      const reason = rejection.message;
      metrics.deadLettered.inc({ consumer: this.consumerName, event_type: rejection.eventType, cause: rejection.kind });
      logger.error({ messageId: delivery.messageId, reason }, 'message rejected without running any handler; dead-lettered');
      this.settle(delivery.deadLetter(reason).catch((e: Error) => logger.error({ err: e.message }, 'could not dead-letter a message')));
      return undefined;
    }
  }

  /** Checks the envelope, the type, the version, the sender and the data before any effect. */
  private validate(body: Buffer): { envelope: Envelope; subscription: Subscription } {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new Rejection('malformed message: the body is not JSON', 'malformed');
    }
    const envelope = EnvelopeSchema.safeParse(json);
    if (!envelope.success) throw new Rejection(`malformed envelope: ${describeIssues(envelope.error)}`, 'malformed');
    const { eventType, version, source } = envelope.data;
    const versions = this.byType.get(eventType);
    if (!versions) throw new Rejection(`unknown event type ${eventType}: ${this.consumerName} does not handle it`, 'unknown-type');
    const subscription = versions.get(version);
    if (!subscription) {
      throw new Rejection(
        `version ${version} of ${eventType} is not accepted by ${this.consumerName} (accepts ${[...versions.keys()].join(', ')})`,
        'unsupported-version',
        eventType,
      );
    }
    const { contract } = subscription;
    const allowed = contract.kind === 'event' ? [sourceOf(contract.domain)] : contract.from.map(sourceOf);
    if (!allowed.includes(source)) {
      throw new Rejection(`${eventType} from ${source} refused: only ${allowed.join(' or ')} may send it`, 'wrong-source', eventType);
    }
    if (contract.kind === 'command' && contract.expires && !envelope.data.notAfter) {
      throw new Rejection(`${eventType} is a forward command and carries no deadline (notAfter)`, 'invalid-data', eventType);
    }
    const data = contract.data.safeParse(envelope.data.data);
    if (!data.success)
      throw new Rejection(`invalid ${eventType} ${version}: ${describeIssues(data.error, 'data')}`, 'invalid-data', eventType);
    return { envelope: { ...envelope.data, data: data.data } as Envelope, subscription };
  }

  private async apply(batch: Decoded[]): Promise<void> {
    if (batch.length === 0) return;
    let applied: Set<string>;
    try {
      applied = await this.commit(batch);
    } catch (err) {
      if (batch.length > 1) {
        for (const one of batch) await this.apply([one]);
        return;
      }
      await this.fail(batch[0], err as Error);
      return;
    }
    const { metrics } = this.options;
    const committedAt = Date.now();
    for (const { envelope, receivedAt } of batch) {
      const labels = { consumer: this.consumerName, event_type: envelope.eventType };
      if (applied.has(envelope.eventId)) {
        applied.delete(envelope.eventId);
        metrics.processed.inc(labels);
        metrics.processingSeconds.observe(labels, (committedAt - receivedAt) / 1000);
        metrics.consumerLagSeconds.observe(labels, Math.max(0, committedAt - Date.parse(envelope.timestamp)) / 1000);
      } else {
        metrics.duplicates.inc(labels);
        this.options.logger.debug({ eventId: envelope.eventId, eventType: envelope.eventType }, 'duplicate skipped');
      }
    }
    await this.options.afterCommit?.(batch.map((d) => d.envelope));
    await Promise.all(batch.map(({ delivery }) => delivery.ack()));
  }

  /** One transaction: the inbox rows, then each new message's handler in its own unit of work. */
  private async commit(batch: Decoded[]): Promise<Set<string>> {
    return this.options.orm.em.fork().transactional(async (tx) => {
      const trx = tx.getTransactionContext();
      const ids = [...new Set(batch.map((d) => d.envelope.eventId))];
      const inserted = await INSERT_PROCESSED.run(tx, [this.consumerName, JSON.stringify(ids)]);
      const fresh = new Set(inserted.map((r) => r.event_id));
      const applied = new Set<string>();
      const { logger } = this.options;
      for (const { delivery, envelope, subscription } of batch) {
        if (!fresh.has(envelope.eventId) || applied.has(envelope.eventId)) continue;
        const em = tx.fork({ clear: true });
        em.setTransactionContext(trx);
        // The handler runs in the span of this message (when tracing is on), so what it publishes continues the trace.
        await inSpan(
          `consume ${envelope.eventType}`,
          {
            kind: SpanKind.CONSUMER,
            parentHeaders: delivery.headers,
            attributes: {
              'messaging.system': 'rabbitmq',
              'messaging.destination.name': this.queue,
              'messaging.message.id': envelope.eventId,
            },
          },
          async () => {
            let child: Logger | undefined;
            const messageLogger = () =>
              (child ??= logger.child({
                eventId: envelope.eventId,
                eventType: envelope.eventType,
                correlationId: envelope.correlationId,
                ...(isTracing() ? { traceId: activeTraceId() } : {}),
              }));
            await subscription.handle(envelope, {
              em,
              // Made on first use: most handlers never log.
              get logger() {
                return messageLogger();
              },
              publish: (contract, data, options) => {
                this.outbox.publish(em, contract, data, { correlationId: envelope.correlationId, ...options });
              },
            });
            await em.flush();
            if (logger.isLevelEnabled('debug')) messageLogger().debug('message handled');
          },
        );
        applied.add(envelope.eventId);
      }
      return applied;
    });
  }

  private async fail({ delivery, envelope }: Decoded, error: Error): Promise<void> {
    const { logger, metrics } = this.options;
    const labels = { consumer: this.consumerName, event_type: envelope.eventType };
    metrics.failures.inc(labels);
    const lastAttempt = delivery.attempt >= this.options.retryDelaysMs.length;
    if (lastAttempt) metrics.deadLettered.inc({ ...labels, cause: 'handler-failed' });
    logger.error(
      {
        eventId: envelope.eventId,
        eventType: envelope.eventType,
        correlationId: envelope.correlationId,
        attempt: delivery.attempt + 1,
        err: error.message,
      },
      lastAttempt ? 'handler failed on its last attempt; dead-lettered' : 'handler failed; will retry',
    );
    await delivery.retry(error.message).then(
      () => {
        if (!lastAttempt) metrics.retries.inc(labels);
      },
      (e: Error) => logger.error({ err: e.message }, 'could not schedule a retry; the broker will redeliver'),
    );
  }
}
