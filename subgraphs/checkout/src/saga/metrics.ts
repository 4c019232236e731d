import type { MikroORM } from '@mikro-orm/postgresql';
import { withTimeout } from '@shop/events';
import { Counter, Gauge, type Registry } from 'prom-client';
import { CHECKOUT_STATUSES } from './transitions';

/** The longest a scrape waits for checkout_db. */
const SCRAPE_TIMEOUT_MS = 2_000;

export interface SagaMetrics {
  timeouts: Counter;
}

/**
 * The saga's metrics in the checkout service's registry: `checkout_sagas{state}`, counted in
 * checkout_db at scrape time (every state listed, 0 when none), and `checkout_saga_timeouts_total`.
 */
export function registerSagaMetrics(registry: Registry, orm: MikroORM): SagaMetrics {
  new Gauge({
    name: 'checkout_sagas',
    help: 'Checkouts in each saga state, counted in checkout_db at scrape time',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const rows: { status: string; count: string }[] = await withTimeout(
        orm.em.getConnection().execute('select status, count(*) as count from checkouts group by status'),
        SCRAPE_TIMEOUT_MS,
      );
      const counts = new Map(rows.map((row) => [row.status, Number(row.count)]));
      for (const state of CHECKOUT_STATUSES) this.set({ state }, counts.get(state) ?? 0);
    },
  });
  return {
    timeouts: new Counter({
      name: 'checkout_saga_timeouts_total',
      help: 'Checkouts failed (and compensated) because a step passed its deadline',
      registers: [registry],
    }),
  };
}
