import { type EntityManager, LockMode } from '@mikro-orm/core';
import { type DataOf, LowStockAlert, type MessageContract, type Outbox, StockLevelChanged } from '@shop/events';
import { notFound, validArg } from '@shop/platform';
import { z } from 'zod';
import { StockItem } from './entities/stock-item.entity';

// Stock rows: created empty with the product, counted by an admin with setStock, and moved between
// available, reserved and sold by the reservation commands (reservations.ts).

export const DEFAULT_LOW_STOCK_THRESHOLD = 5;
export const MAX_UNITS = 1_000_000;

const Units = z.number().int().min(0, 'must not be negative').max(MAX_UNITS, `must be at most ${MAX_UNITS}`);

/** Writes a message to the outbox in the transaction of the change it announces. */
export type Publish = <C extends MessageContract>(contract: C, data: DataOf<C>, options: { sequence: number }) => void;

const isLow = (item: StockItem) => item.available < item.lowStockThreshold;

/**
 * Applies one change to a stock row, bumps its version and publishes StockLevelChanged with the new
 * counts. A change that takes available below the threshold also publishes LowStockAlert; later
 * changes while it stays below publish no more alerts.
 */
export function changeStock(item: StockItem, publish: Publish, change: (item: StockItem) => void): void {
  const wasLow = isLow(item);
  change(item);
  item.version += 1;
  const { sku, available, reserved, sold, lowStockThreshold } = item;
  publish(StockLevelChanged, { sku, available, reserved, sold, lowStockThreshold }, { sequence: item.version });
  if (!wasLow && isLow(item)) {
    publish(
      LowStockAlert,
      { sku: item.sku, currentQuantity: item.available, threshold: item.lowStockThreshold },
      { sequence: item.version },
    );
  }
}

/** A new product starts with an empty stock row; a second announcement of it changes nothing. */
export async function createEmptyStock(em: EntityManager, sku: string): Promise<void> {
  if (await em.findOne(StockItem, { sku })) return;
  em.create(StockItem, { sku, available: 0, reserved: 0, sold: 0, lowStockThreshold: DEFAULT_LOW_STOCK_THRESHOLD, version: 1 });
}

/** An admin's count of what can be sold; reserved and sold units are the checkouts' and stay as they are. */
export async function setStock(
  em: EntityManager,
  outbox: Outbox,
  sku: string,
  available: number,
  lowStockThreshold: number | null | undefined,
): Promise<StockItem> {
  const units = validArg(Units, available, 'available');
  const threshold = lowStockThreshold == null ? undefined : validArg(Units, lowStockThreshold, 'lowStockThreshold');
  return em.transactional(async (tx) => {
    const item = await tx.findOne(StockItem, { sku }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!item) throw notFound(`product ${sku}`);
    const nextThreshold = threshold ?? item.lowStockThreshold;
    if (item.available === units && item.lowStockThreshold === nextThreshold) return item;
    const publish: Publish = (contract, data, options) => outbox.publish(tx, contract, data, options);
    changeStock(item, publish, (changed) => {
      changed.available = units;
      changed.lowStockThreshold = nextThreshold;
    });
    return item;
  });
}
