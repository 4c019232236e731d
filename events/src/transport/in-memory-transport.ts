import { BaseDelivery, type DropLogger } from './delivery';
import {
  type ConsumerHandle,
  type Delivery,
  type OutboundMessage,
  type PublishResult,
  type QueueSpec,
  type Transport,
  deadLetterQueueOf,
  hasDeadLetterQueue,
} from './transport';

interface StoredMessage {
  body: Buffer;
  headers: Record<string, unknown>;
  messageId: string | undefined;
  exchange: string;
  routingKey: string;
}

interface MemoryConsumer {
  onDelivery: (delivery: Delivery) => void;
  prefetch: number;
  unacked: Set<StoredMessage>;
  /** Set by stopDeliveries: nothing more is delivered, what was can still be acked. */
  paused: boolean;
}

interface MemoryQueue {
  spec: QueueSpec;
  messages: StoredMessage[];
  consumer?: MemoryConsumer;
}

/** AMQP topic matching: `*` is one word, `#` is zero or more. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const match = (p: string[], k: string[]): boolean => {
    if (p.length === 0) return k.length === 0;
    if (p[0] === '#') return match(p.slice(1), k) || (k.length > 0 && match(p, k.slice(1)));
    if (k.length === 0) return false;
    return (p[0] === '*' || p[0] === k[0]) && match(p.slice(1), k.slice(1));
  };
  return match(pattern.split('.'), routingKey.split('.'));
}

/**
 * The broker in process memory, with RabbitMQ's semantics where the runtime depends on them:
 * topic routing, returns for mandatory messages, prefetch, acks, delayed retries and dead
 * letters. For fast tests of handlers; nothing survives the process.
 */
export class InMemoryTransport implements Transport {
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly bindings: { exchange: string; routingKey: string; queue: string }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly logger: DropLogger = { warn: () => undefined }) {}

  async connect(): Promise<void> {}

  isConnected(): boolean {
    return true;
  }

  async publish(messages: OutboundMessage[]): Promise<PublishResult[]> {
    return messages.map((message) => {
      const targets = new Set(
        this.bindings.filter((b) => b.exchange === message.exchange && topicMatches(b.routingKey, message.routingKey)).map((b) => b.queue),
      );
      if (targets.size === 0) {
        return message.mandatory
          ? { ok: false, error: `unroutable: no queue is bound to ${message.exchange} for ${message.routingKey}` }
          : { ok: true, routed: false };
      }
      for (const queue of targets) {
        this.enqueue(queue, {
          body: Buffer.from(message.body),
          headers: { ...message.headers },
          messageId: message.messageId,
          exchange: message.exchange,
          routingKey: message.routingKey,
        });
      }
      return { ok: true, routed: true };
    });
  }

  async consume(spec: QueueSpec, onDelivery: (delivery: Delivery) => void): Promise<ConsumerHandle> {
    const queue = this.declare(spec.name, spec);
    if (hasDeadLetterQueue(spec))
      this.declare(deadLetterQueueOf(spec.name), { name: deadLetterQueueOf(spec.name), bindings: [], retryDelaysMs: [] });
    for (const binding of spec.bindings) {
      const exists = this.bindings.some(
        (b) => b.queue === spec.name && b.exchange === binding.exchange && b.routingKey === binding.routingKey,
      );
      if (!exists) this.bindings.push({ ...binding, queue: spec.name });
    }
    const consumer: MemoryConsumer = { onDelivery, prefetch: spec.prefetch ?? 100, unacked: new Set(), paused: false };
    queue.consumer = consumer;
    spec.onConsuming?.();
    this.dispatch(queue);
    return {
      isAttached: () => queue.consumer === consumer && !consumer.paused,
      stopDeliveries: async () => {
        consumer.paused = true;
      },
      cancel: async () => {
        if (queue.consumer !== consumer) return;
        queue.consumer = undefined;
        // Like a closed channel: what was delivered and not acked goes back to the head of the queue.
        queue.messages.unshift(...consumer.unacked);
        consumer.unacked.clear();
        if (spec.exclusive) this.deleteQueue(spec.name);
      },
    };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const queue of this.queues.values()) queue.consumer = undefined;
  }

  /** Messages waiting in a queue (not counting those delivered and not yet acked). */
  depth(queue: string): number {
    return this.queues.get(queue)?.messages.length ?? 0;
  }

  async countMessages(queue: string): Promise<number | undefined> {
    return this.queues.get(queue)?.messages.length;
  }

  /** The messages waiting in a queue, e.g. a dead-letter queue, without consuming them. */
  peek(queue: string): readonly StoredMessage[] {
    return this.queues.get(queue)?.messages ?? [];
  }

  enqueue(queueName: string, message: StoredMessage): void {
    const queue = this.queues.get(queueName);
    if (!queue) throw new Error(`no such queue: ${queueName}`);
    queue.messages.push(message);
    this.dispatch(queue);
  }

  later(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, delayMs);
    this.timers.add(timer);
  }

  private declare(name: string, spec: QueueSpec): MemoryQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { spec, messages: [] };
      this.queues.set(name, queue);
    }
    return queue;
  }

  private deleteQueue(name: string): void {
    this.queues.delete(name);
    for (let i = this.bindings.length - 1; i >= 0; i--) if (this.bindings[i].queue === name) this.bindings.splice(i, 1);
  }

  private dispatch(queue: MemoryQueue): void {
    const consumer = queue.consumer;
    while (
      consumer &&
      queue.consumer === consumer &&
      !consumer.paused &&
      consumer.unacked.size < consumer.prefetch &&
      queue.messages.length > 0
    ) {
      const message = queue.messages.shift()!;
      consumer.unacked.add(message);
      const settle = () => {
        if (!consumer.unacked.delete(message)) return;
        queueMicrotask(() => this.dispatch(queue));
      };
      consumer.onDelivery(new InMemoryDelivery(message, queue.spec, this, settle, () => queue.consumer === consumer, this.logger));
    }
  }
}

class InMemoryDelivery extends BaseDelivery {
  constructor(
    private readonly message: StoredMessage,
    spec: QueueSpec,
    private readonly transport: InMemoryTransport,
    private readonly settle: () => void,
    private readonly consumerIsLive: () => boolean,
    logger: DropLogger,
  ) {
    super(message.body, message.headers, message.messageId, spec, { exchange: message.exchange, routingKey: message.routingKey }, logger);
  }

  isLive(): boolean {
    return this.consumerIsLive();
  }

  async ack(): Promise<void> {
    this.settle();
  }

  protected async forward(
    target: { retryLevel: number } | { deadLetterQueue: string },
    headers: Record<string, string | number>,
  ): Promise<void> {
    const copy = { ...this.message, headers };
    if ('retryLevel' in target) {
      // Like a delay queue: after the TTL the copy goes back to the work queue through the default exchange.
      this.transport.later(this.spec.retryDelaysMs[target.retryLevel], () =>
        this.transport.enqueue(this.spec.name, { ...copy, exchange: '', routingKey: this.spec.name }),
      );
    } else {
      this.transport.enqueue(target.deadLetterQueue, copy);
    }
  }
}
