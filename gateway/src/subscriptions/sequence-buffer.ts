/**
 * Puts the messages of one aggregate back in order of `sequence` (relays and retries may reorder
 * them): a message goes out once everything before it has, an old or repeated one never goes out,
 * and one that arrives early waits for the missing sequences.
 */
export class SequenceBuffer<T> {
  /** The messages waiting for a missing sequence; only while there are some (a gateway holds a buffer per subscription). */
  private early?: Map<number, T>;

  /** @param delivered the last sequence already sent (0 before the first). */
  constructor(private delivered = 0) {}

  /** The last sequence sent. */
  get lastDelivered(): number {
    return this.delivered;
  }

  /** How many messages wait for a missing sequence. */
  get waiting(): number {
    return this.early?.size ?? 0;
  }

  /** Takes one message: returns what may go out now, in order (nothing if it is old, repeated or early). */
  accept(sequence: number, message: T): T[] {
    if (sequence <= this.delivered || this.early?.has(sequence)) return [];
    (this.early ??= new Map()).set(sequence, message);
    return this.release();
  }

  /** Everything up to `sequence` went out another way (read from history): returns what may follow now. */
  advanceTo(sequence: number): T[] {
    if (sequence > this.delivered) this.delivered = sequence;
    const early = this.early;
    for (const waiting of early?.keys() ?? []) {
      if (waiting <= this.delivered) early?.delete(waiting);
    }
    return this.release();
  }

  /** Gives up on the missing sequences: returns every waiting message, in order. */
  flush(): T[] {
    const early = this.early ?? new Map<number, T>();
    this.early = undefined;
    const sequences = [...early.keys()].sort((a, b) => a - b);
    if (sequences.length > 0) this.delivered = sequences[sequences.length - 1];
    return sequences.map((sequence) => early.get(sequence) as T);
  }

  private release(): T[] {
    const early = this.early;
    if (!early) return [];
    const ready: T[] = [];
    for (let next = early.get(this.delivered + 1); next !== undefined; next = early.get(this.delivered + 1)) {
      early.delete(this.delivered + 1);
      this.delivered += 1;
      ready.push(next);
    }
    if (early.size === 0) this.early = undefined;
    return ready;
  }
}
