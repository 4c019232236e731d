/**
 * Puts the messages of one aggregate back in order of `sequence` (relays and retries may reorder
 * them): a message goes out once everything before it has, an old or repeated one never goes out,
 * and one that arrives early waits for the missing sequences.
 */
export class SequenceBuffer<T> {
  private readonly early = new Map<number, T>();

  /** @param delivered the last sequence already sent (0 before the first). */
  constructor(private delivered = 0) {}

  /** The last sequence sent. */
  get lastDelivered(): number {
    return this.delivered;
  }

  /** How many messages wait for a missing sequence. */
  get waiting(): number {
    return this.early.size;
  }

  /** Takes one message: returns what may go out now, in order (nothing if it is old, repeated or early). */
  accept(sequence: number, message: T): T[] {
    if (sequence <= this.delivered || this.early.has(sequence)) return [];
    this.early.set(sequence, message);
    return this.release();
  }

  /** Everything up to `sequence` went out another way (read from history): returns what may follow now. */
  advanceTo(sequence: number): T[] {
    if (sequence > this.delivered) this.delivered = sequence;
    for (const waiting of this.early.keys()) {
      if (waiting <= this.delivered) this.early.delete(waiting);
    }
    return this.release();
  }

  /** Gives up on the missing sequences: returns every waiting message, in order. */
  flush(): T[] {
    const sequences = [...this.early.keys()].sort((a, b) => a - b);
    const messages = sequences.map((sequence) => this.early.get(sequence) as T);
    this.early.clear();
    if (sequences.length > 0) this.delivered = sequences[sequences.length - 1];
    return messages;
  }

  private release(): T[] {
    const ready: T[] = [];
    for (let next = this.early.get(this.delivered + 1); next !== undefined; next = this.early.get(this.delivered + 1)) {
      this.early.delete(this.delivered + 1);
      this.delivered += 1;
      ready.push(next);
    }
    return ready;
  }
}
