/**
 * The broker seen from the messaging runtime. Two implementations pass the same conformance
 * suite: RabbitMQ (production) and in-memory (fast unit tests of handlers). Names given here are
 * logical; a transport applies its `QUEUE_PREFIX` to every exchange and queue.
 */
export interface OutboundMessage {
  exchange: string;
  routingKey: string;
  messageId: string;
  body: Buffer;
  headers?: Record<string, string | number>;
  /** Commands are mandatory: reaching no queue is an error. Events reaching no queue are normal. */
  mandatory: boolean;
}

export type PublishResult = { ok: true; routed: boolean } | { ok: false; error: string };

export interface Binding {
  exchange: string;
  routingKey: string;
}

export interface QueueSpec {
  name: string;
  bindings: Binding[];
  /** Delay before each retry; its length is the retry limit. */
  retryDelaysMs: number[];
  /** A queue of one process (e.g. a gateway instance): exclusive, auto-deleted, classic. */
  exclusive?: boolean;
  /** Whether failed messages end in `<name>.dlq` (default: yes, unless exclusive); without one they are dropped and logged. */
  deadLetterQueue?: boolean;
  prefetch?: number;
  /**
   * Called each time consuming starts: at first, and again after a reconnection or a broker
   * cancel. An exclusive queue is new each time, so what was published in between never reached it.
   */
  onConsuming?: () => void;
}

export interface Delivery {
  readonly body: Buffer;
  readonly headers: Record<string, unknown>;
  readonly messageId: string | undefined;
  /** How many times this message has failed before (0 on its first delivery). */
  readonly attempt: number;
  /** False once the channel it came on has closed: it will be redelivered, so skip it. */
  isLive(): boolean;
  ack(): Promise<void>;
  /** Schedules the next attempt after `retryDelaysMs[attempt]`, or dead-letters after the last. */
  retry(reason: string): Promise<void>;
  /** Moves the message to the queue's dead-letter queue with the reason in its headers. */
  deadLetter(reason: string): Promise<void>;
}

export interface ConsumerHandle {
  /** Asks the broker to deliver nothing more; what was delivered can still be acked, until cancel(). */
  stopDeliveries(): Promise<void>;
  /** Stops consuming: what was delivered and not acked goes back to the queue. */
  cancel(): Promise<void>;
  /** Whether the broker delivers to this consumer right now (readiness, messaging_consumer_attached). */
  isAttached(): boolean;
}

export interface Transport {
  connect(): Promise<void>;
  /** Whether the broker is reachable right now (readiness checks). */
  isConnected(): boolean;
  /** Publishes in order and resolves once the broker has confirmed every message. */
  publish(messages: OutboundMessage[]): Promise<PublishResult[]>;
  /** Declares the queue with its bindings, delay queues and dead-letter queue, then consumes it. */
  consume(spec: QueueSpec, onDelivery: (delivery: Delivery) => void): Promise<ConsumerHandle>;
  /** Messages ready in a queue, read without consuming them; undefined when the queue does not exist. */
  countMessages?(queue: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export const deadLetterQueueOf = (queue: string): string => `${queue}.dlq`;

/** Headers a dead-lettered message carries, saying why, how often and where from. */
export const DeadLetterHeaders = {
  reason: 'x-dead-letter-reason',
  attempts: 'x-attempts',
  originalQueue: 'x-original-queue',
  originalExchange: 'x-original-exchange',
  originalRoutingKey: 'x-original-routing-key',
  deadLetteredAt: 'x-dead-lettered-at',
} as const;

export const AttemptHeader = 'x-attempt';
export const LastErrorHeader = 'x-last-error';

export const hasDeadLetterQueue = (spec: QueueSpec): boolean => spec.deadLetterQueue ?? !spec.exclusive;

/** Headers for the next attempt, or for the dead-letter queue once the retries are used up. */
export function failureHeaders(
  spec: QueueSpec,
  delivery: { headers: Record<string, unknown>; attempt: number },
  origin: { exchange: string; routingKey: string },
  reason: string,
): Record<string, string | number> {
  const kept = Object.fromEntries(
    Object.entries(delivery.headers).filter(([, v]) => typeof v === 'string' || typeof v === 'number'),
  ) as Record<string, string | number>;
  return {
    ...kept,
    // The queue is always this consumer's own: a header claiming another one may come from a sender.
    [DeadLetterHeaders.originalQueue]: spec.name,
    [DeadLetterHeaders.originalExchange]: String(delivery.headers[DeadLetterHeaders.originalExchange] ?? origin.exchange),
    [DeadLetterHeaders.originalRoutingKey]: String(delivery.headers[DeadLetterHeaders.originalRoutingKey] ?? origin.routingKey),
    [LastErrorHeader]: reason.slice(0, 2000),
  };
}
