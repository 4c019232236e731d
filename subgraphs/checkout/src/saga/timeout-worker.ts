import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@shop/events';
import { startPeriodic } from '@shop/platform';
import { Checkout } from '../entities/checkout.entity';
import type { SagaMetrics } from './metrics';
import type { CheckoutSaga } from './runner';

/**
 * Fails and compensates the sagas whose deadline has passed. The deadlines live in the database,
 * so this survives restarts; with two instances both may pick one saga, and the saga's version
 * check lets only one of them apply it.
 */
export function startTimeoutWorker(
  orm: MikroORM,
  saga: CheckoutSaga,
  logger: Logger,
  intervalMs: number,
  metrics: SagaMetrics,
): () => Promise<void> {
  const sweep = async () => {
    const overdue = await orm.em
      .fork()
      .find(Checkout, { deadlineAt: { $lte: new Date() } }, { fields: ['id'], orderBy: { deadlineAt: 'asc' }, limit: 200 });
    for (const { id } of overdue) {
      if (await saga.timeOut(orm.em.fork(), id)) metrics.timeouts.inc();
    }
  };
  return startPeriodic({
    intervalMs,
    pass: sweep,
    logger,
    failureMessage: 'checkout timeout sweep failed; will try again',
    failureLevel: 'error',
  });
}
