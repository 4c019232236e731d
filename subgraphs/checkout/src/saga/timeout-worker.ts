import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@shop/events';
import { Checkout } from '../entities/checkout.entity';
import type { CheckoutSaga } from './runner';

/**
 * Fails and compensates the sagas whose deadline has passed. The deadlines live in the database,
 * so this survives restarts; with two instances both may pick one saga, and the saga's version
 * check lets only one of them apply it.
 */
export function startTimeoutWorker(orm: MikroORM, saga: CheckoutSaga, logger: Logger, intervalMs: number): () => Promise<void> {
  let running: Promise<void> | undefined;
  const sweep = async () => {
    const overdue = await orm.em
      .fork()
      .find(Checkout, { deadlineAt: { $lte: new Date() } }, { fields: ['id'], orderBy: { deadlineAt: 'asc' }, limit: 200 });
    for (const { id } of overdue) {
      await saga.apply(orm.em.fork(), id, { type: 'DeadlinePassed' });
    }
  };
  const timer = setInterval(() => {
    running ??= sweep()
      .catch((err: Error) => logger.error({ err: err.message }, 'checkout timeout sweep failed; will try again'))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
