import { type EntityManager, LockMode } from '@mikro-orm/core';
import {
  type ConfirmStock,
  type DataOf,
  type HandlerContext,
  type ReleaseStock,
  type ReserveStock,
  StockConfirmed,
  StockReleased,
  StockReservationFailed,
  StockReserved,
} from '@shop/events';
import { Reservation, type StockLine } from './entities/reservation.entity';
import { StockItem } from './entities/stock-item.entity';
import { changeStock } from './stock';

// The checkout saga's stock commands. Each is decided once per reservation id (the Reservation row,
// locked first), whatever eventId it arrives with; a compensation that arrives before its command
// leaves a RELEASED mark so the late command does nothing.

const lockReservation = (em: EntityManager, id: string) => em.findOne(Reservation, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });

/** Stock rows locked in SKU order: two checkouts holding the same SKUs never wait on each other in a cycle. */
async function lockStock(em: EntityManager, lines: StockLine[]): Promise<Map<string, StockItem>> {
  const skus = lines.map((line) => line.sku);
  const rows = await em.find(StockItem, { sku: { $in: skus } }, { orderBy: { sku: 'asc' }, lockMode: LockMode.PESSIMISTIC_WRITE });
  return new Map(rows.map((row) => [row.sku, row]));
}

/** One line per SKU (a command may name a SKU twice), in SKU order. */
function mergeLines(lines: StockLine[]): StockLine[] {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of lines) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return [...bySku.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}

const REASON_MAX = 500;

function shortageReason(short: { sku: string; requested: number; available: number }[]): string {
  const reason = `not enough stock: ${short.map((s) => `${s.sku} (${s.requested} requested, ${s.available} available)`).join(', ')}`;
  return reason.length <= REASON_MAX ? reason : `${reason.slice(0, REASON_MAX - 3)}...`;
}

/** All lines or none: every SKU must have the units, else nothing is held and the short SKUs are named. */
export async function reserveStock({ em, publish, logger }: HandlerContext, data: DataOf<typeof ReserveStock>): Promise<void> {
  const { reservationId, orderId, customerId } = data;
  const decided = await lockReservation(em, reservationId);
  if (decided) {
    logger.info({ reservationId, status: decided.status }, 'ReserveStock for a reservation already decided; nothing to do');
    return;
  }
  const lines = mergeLines(data.lines);
  const stock = await lockStock(em, lines);
  const short = lines
    .map((line) => ({ sku: line.sku, requested: line.quantity, available: stock.get(line.sku)?.available ?? 0 }))
    .filter((line) => line.available < line.requested);
  if (short.length > 0) {
    const refused = em.create(Reservation, { id: reservationId, orderId, status: 'REFUSED', lines: [], version: 1 });
    publish(
      StockReservationFailed,
      { reservationId, orderId, reason: shortageReason(short), shortSkus: short },
      { sequence: refused.version },
    );
    return;
  }
  for (const line of lines) {
    changeStock(stock.get(line.sku) as StockItem, publish, (item) => {
      item.available -= line.quantity;
      item.reserved += line.quantity;
    });
  }
  const reserved = em.create(Reservation, { id: reservationId, orderId, status: 'RESERVED', lines, version: 1 });
  publish(StockReserved, { reservationId, orderId, customerId, lines }, { sequence: reserved.version });
}

/** Gives a reservation's units back; before any ReserveStock it leaves the RELEASED mark instead. */
export async function releaseStock({ em, publish, logger }: HandlerContext, data: DataOf<typeof ReleaseStock>): Promise<void> {
  const { reservationId, orderId } = data;
  const reservation = await lockReservation(em, reservationId);
  if (!reservation) {
    const mark = em.create(Reservation, { id: reservationId, orderId, status: 'RELEASED', lines: [], version: 1 });
    publish(StockReleased, { reservationId, orderId, lines: [] }, { sequence: mark.version });
    return;
  }
  if (reservation.status !== 'RESERVED') {
    logger.info({ reservationId, status: reservation.status }, 'ReleaseStock for a reservation that holds nothing; nothing to do');
    return;
  }
  await settle({ em, publish }, reservation, orderId, 'RELEASED');
}

/** The order exists: the reserved units are sold. */
export async function confirmStock({ em, publish, logger }: HandlerContext, data: DataOf<typeof ConfirmStock>): Promise<void> {
  const { reservationId, orderId } = data;
  const reservation = await lockReservation(em, reservationId);
  // The saga confirms only what it saw reserved: failing lets retries and the dead-letter queue report it.
  if (!reservation) throw new Error(`ConfirmStock for reservation ${reservationId}, which inventory has not reserved`);
  if (reservation.status !== 'RESERVED') {
    const level = reservation.status === 'CONFIRMED' ? 'info' : 'error';
    logger[level]({ reservationId, status: reservation.status }, 'ConfirmStock for a reservation that holds nothing; nothing to do');
    return;
  }
  await settle({ em, publish }, reservation, orderId, 'CONFIRMED');
}

/** Takes a reservation's units out of `reserved`, back to available or on to sold, and announces it. */
async function settle(
  { em, publish }: Pick<HandlerContext, 'em' | 'publish'>,
  reservation: Reservation,
  orderId: string,
  outcome: 'RELEASED' | 'CONFIRMED',
): Promise<void> {
  const stock = await lockStock(em, reservation.lines);
  for (const line of reservation.lines) {
    changeStock(stock.get(line.sku) as StockItem, publish, (item) => {
      item.reserved -= line.quantity;
      if (outcome === 'RELEASED') item.available += line.quantity;
      else item.sold += line.quantity;
    });
  }
  reservation.status = outcome;
  reservation.version += 1;
  const data = { reservationId: reservation.id, orderId, lines: reservation.lines };
  if (outcome === 'RELEASED') publish(StockReleased, data, { sequence: reservation.version });
  else publish(StockConfirmed, data, { sequence: reservation.version });
}
