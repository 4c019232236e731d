import type { EntityManager } from '@mikro-orm/core';
import { CartExpired, type Outbox, SEVEN_DAYS_MS } from '@shop/events';
import { type SubgraphHandles, parseEnv, startPeriodic } from '@shop/platform';
import { z } from 'zod';
import { Cart } from './entities/cart.entity';
import { CartLine } from './entities/cart-line.entity';

// Carts the customer has not touched for CART_IDLE_TTL_MS are emptied, announcing CartExpired with
// the lines they held, by a sweep every CART_EXPIRY_SWEEP_MS. Several instances may sweep at once.

const SWEEP_BATCH = 100;

export interface CartExpirySettings {
  idleTtlMs: number;
  sweepIntervalMs: number;
}

const ExpiryEnv = z.object({
  CART_IDLE_TTL_MS: z.coerce.number().int().positive().default(SEVEN_DAYS_MS),
  CART_EXPIRY_SWEEP_MS: z.coerce.number().int().positive().default(60_000),
});

export function loadExpirySettings(env: NodeJS.ProcessEnv = process.env): CartExpirySettings {
  const settings = parseEnv(ExpiryEnv, env);
  return { idleTtlMs: settings.CART_IDLE_TTL_MS, sweepIntervalMs: settings.CART_EXPIRY_SWEEP_MS };
}

// Skips carts another sweep or a customer's request holds: they are taken by the next sweep, if still idle.
const IDLE_CARTS = `
  select c.customer_id from carts c
  where c.last_active_at < ? and exists (select 1 from cart_lines l where l.customer_id = c.customer_id)
  order by c.last_active_at
  limit ?
  for update of c skip locked`;

/** Empties every cart idle for longer than the TTL, one transaction per batch; returns how many. */
export async function expireIdleCarts(em: EntityManager, outbox: Outbox, idleTtlMs: number): Promise<number> {
  let expired = 0;
  for (;;) {
    const count = await em.fork().transactional(async (tx) => {
      const idle: { customer_id: string }[] = await tx
        .getConnection()
        .execute(IDLE_CARTS, [new Date(Date.now() - idleTtlMs), SWEEP_BATCH], 'all', tx.getTransactionContext());
      if (idle.length === 0) return 0;
      const customerIds = idle.map((row) => row.customer_id);
      const carts = await tx.find(Cart, { customerId: { $in: customerIds } });
      const lines = await tx.find(CartLine, { customerId: { $in: customerIds } }, { orderBy: { addedAt: 'asc', sku: 'asc' } });
      const now = new Date();
      for (const cart of carts) {
        const held = lines.filter((line) => line.customerId === cart.customerId);
        cart.version += 1;
        cart.updatedAt = now;
        outbox.publish(
          tx,
          CartExpired,
          { customerId: cart.customerId, lines: held.map(({ sku, quantity }) => ({ sku, quantity })) },
          { sequence: cart.version },
        );
        tx.remove(held);
      }
      return carts.length;
    });
    expired += count;
    if (count < SWEEP_BATCH) return expired;
  }
}

/** The background sweep, started with the service and stopped before it (finishing a sweep in flight). */
export function cartExpiryWorker(settings: CartExpirySettings) {
  return (service: SubgraphHandles) =>
    startPeriodic({
      intervalMs: settings.sweepIntervalMs,
      pass: async () => {
        const expired = await expireIdleCarts(service.orm.em, service.bus.outbox, settings.idleTtlMs);
        if (expired > 0) service.logger.info({ expired }, 'idle carts expired');
      },
      logger: service.logger,
      failureMessage: 'expiring idle carts failed; the next sweep tries again',
    });
}
