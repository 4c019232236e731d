import { type SubgraphHandles, startPeriodic } from '@shop/platform';
import { completeDuePayments } from './payments';

const POLL_INTERVAL_MS = 1_000;
const BATCH_SIZE = 100;

/**
 * Completes `tok_slow` payments when due. Due times live in the database and the worker polls
 * them, so a payment due while no instance ran completes after the next start; several
 * instances may poll at once (FOR UPDATE SKIP LOCKED). Returns how to stop it: after the pass in
 * flight has committed.
 */
export function slowPaymentWorker({ orm, bus, logger }: SubgraphHandles): () => Promise<void> {
  let stopped = false;
  const stop = startPeriodic({
    intervalMs: POLL_INTERVAL_MS,
    pass: async () => {
      // A full batch may leave more due payments behind: go on until one comes back short.
      while (!stopped && (await completeDuePayments(orm.em.fork(), bus.outbox, logger, BATCH_SIZE)) === BATCH_SIZE);
    },
    logger,
    failureMessage: 'completing due slow payments failed; will try again',
    failureLevel: 'error',
  });
  return () => {
    stopped = true;
    return stop();
  };
}
