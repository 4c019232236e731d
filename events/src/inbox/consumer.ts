import type { EntityManager } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type DataOf, type MessageContract, exchangeOf, sourceOf } from '../contract';
import { type Envelope, EnvelopeSchema, describeIssues } from '../envelope';
import type { Logger } from '../logger';
import type { MessagingMetrics } from '../metrics';
import { Outbox, type PublishOptions } from '../outbox/outbox';
import type { Delivery, QueueSpec, Transport } from '../transport/transport';

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
  /** Called after a batch committed and before it is acked (lets tests crash at exactly that point). */
  afterCommit?: (messages: Envelope[]) => void | Promise<void>;
}

interface Decoded {
  delivery: Delivery;
  envelope: Envelope;
  subscription: Subscription;
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

export const serviceQueueOf = (service: string): string => `${service}-service-queue`;

/**
 * Takes a service's messages off its queue and applies each exactly once: validated before any
 * effect, recorded in the inbox in the same transaction as the handler's effects, acked after
 * the commit. Messages already waiting are applied together in one transaction (each in its own
 * unit of work); if that fails, each is retried alone so one bad message never holds back others.
 */
export class MessageConsumer {
  readonly queue: string;
  readonly consumerName: string;
  private readonly byType = new Map<string, Map<string, Subscription>>();
  private readonly outbox: Outbox;
  /** Decoded as they arrive, while the batch in flight waits on the database. */
  private readonly waiting: Decoded[] = [];
  private draining?: Promise<void>;
  private handle?: { cancel(): Promise<void> };

  constructor(private readonly options: MessageConsumerOptions) {
    this.queue = serviceQueueOf(options.service);
    this.consumerName = `${options.service}-service`;
    this.outbox = new Outbox(this.consumerName);
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

  /** Stops taking messages and waits until the batch in flight is committed and acked. */
  async stop(): Promise<void> {
    await this.handle?.cancel();
    this.handle = undefined;
    await this.draining;
  }

  private receive(delivery: Delivery): void {
    // Rejections and expired commands are settled here; the rest wait to be applied together.
    const decoded = this.decode(delivery, Date.now());
    if (!decoded) return;
    this.waiting.push(decoded);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch ?? 250).filter((d) => d.delivery.isLive());
      try {
        await this.apply(batch);
      } catch (err) {
        this.options.logger.error({ err: (err as Error).message }, 'unexpected error while processing a batch');
      }
    }
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
        void delivery.ack();
        return undefined;
      }
      return { delivery, envelope, subscription, receivedAt };
    } catch (err) {
      const rejection = err instanceof Rejection ? err : new Rejection(`malformed message: ${(err as Error).message}`, 'malformed');
      const reason = rejection.message;
      metrics.deadLettered.inc({ consumer: this.consumerName, event_type: rejection.eventType, cause: rejection.kind });
      logger.error({ messageId: delivery.messageId, reason }, 'message rejected without running any handler; dead-lettered');
      void delivery.deadLetter(reason).catch((e: Error) => logger.error({ err: e.message }, 'could not dead-letter a message'));
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
      const inserted: { event_id: string }[] = await tx.getConnection().execute(
        `insert into processed_events (consumer, event_id)
           select ?, value::uuid from jsonb_array_elements_text(?::jsonb)
           on conflict do nothing returning event_id`,
        [this.consumerName, JSON.stringify(ids)],
        'all',
        trx,
      );
      const fresh = new Set(inserted.map((r) => r.event_id));
      const applied = new Set<string>();
      const { logger } = this.options;
      for (const { envelope, subscription } of batch) {
        if (!fresh.has(envelope.eventId) || applied.has(envelope.eventId)) continue;
        const em = tx.fork({ clear: true });
        em.setTransactionContext(trx);
        let child: Logger | undefined;
        await subscription.handle(envelope, {
          em,
          // Made on first use: most handlers never log.
          get logger() {
            return (child ??= logger.child({
              eventId: envelope.eventId,
              eventType: envelope.eventType,
              correlationId: envelope.correlationId,
            }));
          },
          publish: (contract, data, options) => {
            this.outbox.publish(em, contract, data, { correlationId: envelope.correlationId, ...options });
          },
        });
        await em.flush();
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
    await delivery
      .retry(error.message)
      .catch((e: Error) => logger.error({ err: e.message }, 'could not schedule a retry; the broker will redeliver'));
  }
}
