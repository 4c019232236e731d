import { type InferEntity, defineEntity, p } from '@mikro-orm/core';
import type { DataOf, ReserveStock } from '@shop/events';
import { createdAtColumn, updatedAtColumn } from '@shop/platform';

export type StockLine = DataOf<typeof ReserveStock>['lines'][number];

/**
 * What became of one checkout's reservation (its id is the reservation id), so that every stock
 * command is applied once whatever eventId it arrives with: RESERVED holds the lines' units,
 * REFUSED held nothing (stock was short), RELEASED gave them back (or was released before any
 * ReserveStock arrived, so a late one reserves nothing), CONFIRMED sold them.
 */
export const Reservation = defineEntity({
  name: 'Reservation',
  tableName: 'reservations',
  properties: {
    id: p.uuid().primary(),
    orderId: p.uuid(),
    status: p.enum(['RESERVED', 'REFUSED', 'RELEASED', 'CONFIRMED']),
    /** The units held, one line per SKU; empty for a reservation that never held any. */
    lines: p.json<StockLine[]>().columnType('jsonb'),
    /** Grows with every change: the `sequence` of the reservation's events. */
    version: p.integer(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type Reservation = InferEntity<typeof Reservation>;
