import type { MikroORM, QueryResult } from '@mikro-orm/postgresql';

export const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Deletes inbox rows and sent outbox rows older than the retention (the record keeps processed
 * event ids for 7 days). A redelivery older than that is no longer recognised as a duplicate,
 * which is why replaying an old dead letter needs an explicit --force.
 */
export async function deleteExpiredMessageRecords(orm: MikroORM, retentionMs: number): Promise<{ inbox: number; outbox: number }> {
  const connection = orm.em.getConnection();
  const cutoff = new Date(Date.now() - retentionMs);
  const inbox = (await connection.execute('delete from processed_events where processed_at < ?', [cutoff], 'run')) as QueryResult;
  const outbox = (await connection.execute('delete from outbox where sent_at < ?', [cutoff], 'run')) as QueryResult;
  return { inbox: inbox.affectedRows, outbox: outbox.affectedRows };
}
