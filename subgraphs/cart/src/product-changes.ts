import { type EntityManager, LockMode } from '@mikro-orm/core';
import type { DataOf, Envelope, ProductDeactivated, ProductPriceChanged, ProductReactivated } from '@shop/events';
import { ProductActivation } from './entities/product-activation.entity';
import { ProductPrice } from './entities/product-price.entity';

// Catalogue changes reach every cart holding the SKU, in one statement each, whatever the number of carts.

const REPRICE_LINES = `
  with repriced as (
    update cart_lines set unit_price = ?, currency = ?, price_sequence = ?
    where sku = ? and price_sequence < ?
    returning customer_id
  )
  update carts set version = version + 1, updated_at = now() where customer_id in (select customer_id from repriced)`;

const DROP_LINES = `
  with dropped as (delete from cart_lines where sku = ? returning customer_id)
  update carts set version = version + 1, updated_at = now() where customer_id in (select customer_id from dropped)`;

/** Lines follow the new price, unless they already carry a newer one (relays and retries may reorder changes). */
export async function applyPriceChange(em: EntityManager, { data, sequence }: Envelope<DataOf<typeof ProductPriceChanged>>): Promise<void> {
  const { sku, newPrice, currency } = data;
  const heard = await em.findOne(ProductPrice, { sku }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (heard && heard.sequence >= sequence) return;
  if (heard) Object.assign(heard, { price: newPrice, currency, sequence });
  else em.create(ProductPrice, { sku, price: newPrice, currency, sequence });
  await em.getConnection().execute(REPRICE_LINES, [newPrice, currency, sequence, sku, sequence], 'run', em.getTransactionContext());
}

/** Records whether a SKU is on sale, unless a newer (de)activation was applied already; returns whether this one was. */
async function applyActivation(em: EntityManager, sku: string, active: boolean, sequence: number): Promise<boolean> {
  const heard = await em.findOne(ProductActivation, { sku }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (heard && heard.sequence >= sequence) return false;
  if (heard) Object.assign(heard, { active, sequence });
  else em.create(ProductActivation, { sku, active, sequence });
  return true;
}

/** A product no longer sold leaves every cart, unless it was reactivated since. */
export async function dropDeactivatedProduct(
  em: EntityManager,
  { data, sequence }: Envelope<DataOf<typeof ProductDeactivated>>,
): Promise<void> {
  if (!(await applyActivation(em, data.sku, false, sequence))) return;
  await em.getConnection().execute(DROP_LINES, [data.sku], 'run', em.getTransactionContext());
}

/**
 * A product on sale again: recorded, so a deactivation older than it that arrives late drops nothing.
 * The lines its deactivation dropped stay dropped (the contract: carts drop a deactivated product's
 * lines); the customer adds it again.
 */
export async function recordReactivatedProduct(
  em: EntityManager,
  { data, sequence }: Envelope<DataOf<typeof ProductReactivated>>,
): Promise<void> {
  await applyActivation(em, data.sku, true, sequence);
}
