import type { MikroORM } from '@mikro-orm/postgresql';
import { DeadLetter, type DeadLetterResolution } from './dead-letter.entity';
import type { NewDeadLetter } from './dead-letter';

/** The `dead_letters` table of one service's database. */
export class DeadLetterStore {
  constructor(private readonly orm: MikroORM) {}

  /**
   * Stores dead letters taken off a queue, committed when this resolves; one stored before (same
   * fingerprint: the tool died before its ack, so the broker handed it over again) is skipped.
   * Returns how many were new.
   */
  async keep(letters: NewDeadLetter[]): Promise<number> {
    if (letters.length === 0) return 0;
    const now = new Date();
    const result = await this.orm.em
      .fork()
      .createQueryBuilder(DeadLetter)
      .insert(letters.map((letter) => ({ ...letter, movedAt: now })))
      .onConflict('fingerprint')
      .ignore()
      .execute('run');
    return result.affectedRows;
  }

  /** The queues' entries, oldest first: unresolved ones only, unless asked for all. */
  async list(queues: string[], { includeResolved = false } = {}): Promise<DeadLetter[]> {
    return this.orm.em
      .fork()
      .find(DeadLetter, { queue: { $in: queues }, ...(includeResolved ? {} : { resolution: null }) }, { orderBy: { id: 'asc' } });
  }

  async find(queue: string, ids: string[]): Promise<DeadLetter[]> {
    return this.orm.em.fork().find(DeadLetter, { queue, id: { $in: ids } }, { orderBy: { id: 'asc' } });
  }

  async resolve(queue: string, ids: string[], resolution: DeadLetterResolution): Promise<void> {
    if (ids.length === 0) return;
    await this.orm.em.fork().nativeUpdate(DeadLetter, { queue, id: { $in: ids } }, { resolution, resolvedAt: new Date() });
  }

  async countUnresolved(queue: string): Promise<number> {
    return this.orm.em.fork().count(DeadLetter, { queue, resolution: null });
  }
}
