import type { EntityManager } from '@mikro-orm/core';
import { type Envelope, type HandlerContext, SEVEN_DAYS_MS } from '@shop/events';
import { type SubgraphHandles, startPeriodic } from '@shop/platform';
import { CheckedOutOrder } from './entities/checked-out-order.entity';

// The record of checked-out orders only grows: a row untouched for the retention window (the inbox's,
// 7 days) is deleted, hourly. Idempotency does not depend on it past that window: the inbox has
// forgotten the event ids by then too, so OrderCreated and OrderFailed older than the window are
// ignored before they act (`unlessPastRetention`). A row is deleted only after every message that
// could need it is past the window: it was written or changed when its last message was handled,
// and each message is older than the moment it was handled.

export const CHECKED_OUT_ORDER_RETENTION_MS = SEVEN_DAYS_MS;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** Deletes the checked-out orders untouched for longer than the retention; returns how many. */
export async function deleteExpiredCheckedOutOrders(em: EntityManager, retentionMs = CHECKED_OUT_ORDER_RETENTION_MS): Promise<number> {
  const cutoff = new Date(Date.now() - retentionMs);
  return em.fork().nativeDelete(CheckedOutOrder, { updatedAt: { $lt: cutoff } });
}

/** A handler of an order event that does nothing (but say so) for a message older than the retention. */
export function unlessPastRetention<D>(
  handle: (message: Envelope<D>, context: HandlerContext) => Promise<void>,
): (message: Envelope<D>, context: HandlerContext) => Promise<void> {
  return async (message, context) => {
    if (Date.parse(message.timestamp) < Date.now() - CHECKED_OUT_ORDER_RETENTION_MS) {
      context.logger.warn(
        { eventId: message.eventId, eventType: message.eventType, timestamp: message.timestamp },
        'order event older than the retention window: its record may be gone, so it is ignored',
      );
      return;
    }
    await handle(message, context);
  };
}

/** The hourly cleanup, started with the service and stopped before it. */
export function checkedOutOrderRetentionWorker(service: SubgraphHandles) {
  return startPeriodic({
    intervalMs: SWEEP_INTERVAL_MS,
    pass: async () => {
      const deleted = await deleteExpiredCheckedOutOrders(service.orm.em);
      if (deleted > 0) service.logger.info({ deleted }, 'checked-out orders past the retention deleted');
    },
    logger: service.logger,
    failureMessage: 'checked-out order retention failed; the next sweep tries again',
  });
}
