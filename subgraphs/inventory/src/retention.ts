import type { EntityManager } from '@mikro-orm/core';
import { SEVEN_DAYS_MS } from '@shop/events';
import { type SubgraphHandles, startPeriodic } from '@shop/platform';
import { Reservation } from './entities/reservation.entity';

// Finished reservations (RELEASED, CONFIRMED, REFUSED) only grow: one untouched for the retention
// window (the inbox's, 7 days) is deleted, hourly; a RESERVED one holds units and is always kept.
// A late duplicate command after that is still harmless without its row:
// - ReserveStock is a forward command whose deadline (a checkout step, seconds) has long passed:
//   the consumer refuses it before any effect, so a deleted RELEASED mark is never needed again.
// - ReleaseStock finds nothing and leaves a new RELEASED mark holding nothing: no units move.
// - ConfirmStock finds nothing and fails (to retries, then the dead-letter queue): no units move.

export const RESERVATION_RETENTION_MS = SEVEN_DAYS_MS;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** Deletes the finished reservations untouched for longer than the retention; returns how many. */
export async function deleteFinishedReservations(em: EntityManager, retentionMs = RESERVATION_RETENTION_MS): Promise<number> {
  const cutoff = new Date(Date.now() - retentionMs);
  return em.fork().nativeDelete(Reservation, { status: { $in: ['RELEASED', 'CONFIRMED', 'REFUSED'] }, updatedAt: { $lt: cutoff } });
}

/** The hourly cleanup, started with the service and stopped before it. */
export function reservationRetentionWorker(service: SubgraphHandles) {
  return startPeriodic({
    intervalMs: SWEEP_INTERVAL_MS,
    pass: async () => {
      const deleted = await deleteFinishedReservations(service.orm.em);
      if (deleted > 0) service.logger.info({ deleted }, 'finished reservations past the retention deleted');
    },
    logger: service.logger,
    failureMessage: 'reservation retention failed; the next sweep tries again',
  });
}
