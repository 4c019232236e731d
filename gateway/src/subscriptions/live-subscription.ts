import type { Logger } from '@shop/events';
import type { Identity } from '@shop/platform';
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { GatewayMetrics } from '../metrics';
import { MessageStream } from './message-stream';
import type { ReadQuery, ReadResult, SubscriptionOperation } from './operation';
import type { StatusEventFeed } from './status-events';

/** Runs a query through the gateway's executor, signed as this identity. */
export type ReadAs = (
  identity: Identity | null,
  request: { query: string; operationName: string; variables: Record<string, unknown> },
) => Promise<ReadResult>;

/** What every subscription works with. */
export interface SubscriptionContext {
  operation: SubscriptionOperation;
  identity: Identity | null;
  feed: StatusEventFeed;
  readAs: ReadAs;
  metrics: GatewayMetrics;
  logger: Logger;
  /** How long a message that arrived ahead of a missing sequence waits before history is read. */
  gapTimeoutMs: number;
}

/**
 * One client subscription: its message stream for graphql-ws, the listeners and timers it holds
 * (all released by `close`, whoever ends it: the client, the socket, or a final status), and a
 * queue that runs its work one task at a time, so its messages go out in order.
 */
export abstract class LiveSubscription {
  readonly stream = new MessageStream<ExecutionResult>(() => this.close());
  private readonly cleanups: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private work: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    protected readonly context: SubscriptionContext,
    private readonly onClosed: () => void,
  ) {
    context.metrics.openSubscriptions.inc({ field: context.operation.fieldName });
  }

  /** Sends the first message and starts listening; resolves to the errors that refuse the subscription, or null. */
  abstract start(): Promise<readonly GraphQLError[] | null>;

  get isClosed(): boolean {
    return this.closed;
  }

  /** Timers pending (tests check that nothing is left behind). */
  get timerCount(): number {
    return this.timers.size;
  }

  /** Ends the subscription and releases everything it holds; the client gets what was already sent, then the end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.stream.end();
    this.context.metrics.openSubscriptions.dec({ field: this.context.operation.fieldName });
    this.onClosed();
  }

  /** Something to undo when the subscription ends (a listener to remove). */
  protected onClose(cleanup: () => void): void {
    if (this.closed) cleanup();
    else this.cleanups.push(cleanup);
  }

  /** Queues a task behind the ones before it; nothing runs once the subscription is closed. */
  protected run(task: () => Promise<void>): Promise<void> {
    this.work = this.work
      .then(() => (this.closed ? undefined : task()))
      .catch((err: Error) =>
        this.context.logger.error({ err: err.message, field: this.context.operation.fieldName }, 'subscription task failed'),
      );
    return this.work;
  }

  /** Runs a task after a delay (in the queue); returns how to cancel it. */
  protected after(delayMs: number, task: () => Promise<void>): () => void {
    if (this.closed) return () => undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(task);
    }, delayMs);
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  protected send(message: ExecutionResult): void {
    if (this.closed) return;
    this.stream.push(message);
    this.context.metrics.subscriptionMessages.inc({ field: this.context.operation.fieldName });
  }

  /** Reads the client's selection of one object through the supergraph, as the subscriber. */
  protected read(query: ReadQuery, id: string): Promise<ReadResult> {
    return this.context.readAs(this.context.identity, {
      query: query.query,
      operationName: query.operationName,
      variables: query.variables(id),
    });
  }

  /** The object the client selected in a read, keyed as the client asked. */
  protected selected(state: ReadResult): Record<string, unknown> | null {
    return (state.data?.[this.context.operation.responseKey] as Record<string, unknown> | null | undefined) ?? null;
  }
}
