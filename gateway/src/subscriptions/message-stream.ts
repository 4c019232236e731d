/**
 * The messages of one subscription, pushed by the gateway and pulled by graphql-ws. Unlike an async
 * generator, `return()` takes effect at once even while nothing is pushed, so a client that leaves
 * releases its listeners and timers immediately (`onEnd` runs once, whoever ends the stream).
 */
export class MessageStream<T> implements AsyncIterableIterator<T> {
  private readonly queued: T[] = [];
  private reader?: (result: IteratorResult<T>) => void;
  private ended = false;

  constructor(private readonly onEnd: () => void) {}

  push(message: T): void {
    if (this.ended) return;
    const reader = this.reader;
    if (reader) {
      this.reader = undefined;
      reader({ value: message, done: false });
    } else {
      this.queued.push(message);
    }
  }

  /** No more messages: the reader still gets those already pushed, then the end. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    const reader = this.reader;
    this.reader = undefined;
    reader?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const message = this.queued.shift();
    if (message !== undefined) return Promise.resolve({ value: message, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.reader = resolve;
    });
  }

  /** The reader leaves (the client completed the subscription or closed the socket). */
  return(): Promise<IteratorResult<T>> {
    this.queued.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
