import {
  AttemptHeader,
  DeadLetterHeaders,
  type Delivery,
  type QueueSpec,
  deadLetterQueueOf,
  failureHeaders,
  hasDeadLetterQueue,
} from './transport';

export interface DropLogger {
  warn(obj: object, msg: string): void;
}

/**
 * What both transports share about a delivery: how a failure becomes the next attempt or a dead
 * letter. A transport supplies how to forward a copy to another queue and how to ack.
 */
export abstract class BaseDelivery implements Delivery {
  readonly attempt: number;

  constructor(
    readonly body: Buffer,
    readonly headers: Record<string, unknown>,
    readonly messageId: string | undefined,
    protected readonly spec: QueueSpec,
    protected readonly origin: { exchange: string; routingKey: string },
    protected readonly logger: DropLogger,
  ) {
    const attempt = Number(headers[AttemptHeader] ?? 0);
    this.attempt = Number.isInteger(attempt) && attempt >= 0 ? attempt : 0;
  }

  abstract isLive(): boolean;
  abstract ack(): Promise<void>;
  /** Sends a copy of this message, with these headers, to the retry level or the dead-letter queue. */
  protected abstract forward(
    target: { retryLevel: number } | { deadLetterQueue: string },
    headers: Record<string, string | number>,
  ): Promise<void>;

  async retry(reason: string): Promise<void> {
    if (this.attempt >= this.spec.retryDelaysMs.length) {
      return this.deadLetter(`gave up after ${this.attempt + 1} attempts: ${reason}`);
    }
    const headers = failureHeaders(this.spec, this, this.origin, reason);
    headers[AttemptHeader] = this.attempt + 1;
    await this.forward({ retryLevel: this.attempt }, headers);
    await this.ack();
  }

  async deadLetter(reason: string): Promise<void> {
    if (!hasDeadLetterQueue(this.spec)) {
      this.logger.warn({ queue: this.spec.name, messageId: this.messageId, reason }, 'message dropped: its queue has no dead-letter queue');
      return this.ack();
    }
    const headers = failureHeaders(this.spec, this, this.origin, reason);
    headers[DeadLetterHeaders.reason] = reason.slice(0, 2000);
    headers[DeadLetterHeaders.attempts] = this.attempt + 1;
    headers[DeadLetterHeaders.deadLetteredAt] = new Date().toISOString();
    await this.forward({ deadLetterQueue: deadLetterQueueOf(this.spec.name) }, headers);
    await this.ack();
  }
}
