import type { MikroORM } from '@mikro-orm/postgresql';
import { Gauge, type Registry } from 'prom-client';
import { serviceQueueOf } from '../inbox/consumer';
import { withTimeout } from '../metrics';
import { deadLetterQueueOf } from '../transport/transport';
import { DeadLetterStore } from './store';

const SAMPLE_TIMEOUT_MS = 2_000;

/** The databases whose store each registry reports, by service. */
const storesByRegistry = new WeakMap<Registry, Map<string, DeadLetterStore>>();

/**
 * Registers `messaging_dead_letter_store_unresolved{service}`: the unresolved entries in the
 * service's dead-letter store, counted in its database at every scrape.
 */
export function trackUnresolvedDeadLetters(registry: Registry, service: string, orm: MikroORM): void {
  let stores = storesByRegistry.get(registry);
  if (!stores) {
    const tracked = new Map<string, DeadLetterStore>();
    new Gauge({
      name: 'messaging_dead_letter_store_unresolved',
      help: 'Dead letters moved into the store by the dead-letter tool and neither replayed nor purged',
      labelNames: ['service'],
      registers: [registry],
      async collect() {
        for (const [name, store] of tracked) {
          // Like the other gauges read at scrape time: a database that does not answer in time keeps the previous value.
          const counting = store.countUnresolved(deadLetterQueueOf(serviceQueueOf(name)));
          const unresolved = await withTimeout(counting, SAMPLE_TIMEOUT_MS).catch(() => undefined);
          if (unresolved !== undefined) this.set({ service: name }, unresolved);
        }
      },
    });
    stores = tracked;
    storesByRegistry.set(registry, stores);
  }
  stores.set(service, new DeadLetterStore(orm));
}
