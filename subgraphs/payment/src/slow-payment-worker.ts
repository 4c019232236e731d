import type { SubgraphHandles } from '@shop/platform';
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
  let pass: Promise<void> | undefined;
  const completeAllDue = async () => {
    // A full batch may leave more due payments behind: go on until one comes back short.
    while (!stopped && (await completeDuePayments(orm.em.fork(), bus.outbox, logger, BATCH_SIZE)) === BATCH_SIZE);
  };
  const poll = () => {
    pass ??= completeAllDue()
      .catch((err: Error) => logger.error({ err: err.message }, 'completing due slow payments failed; will try again'))
      .finally(() => {
        pass = undefined;
      });
  };
  const timer = setInterval(poll, POLL_INTERVAL_MS);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await pass;
  };
}
