import { z } from 'zod';
import { defineEvent } from '../contract';
import { CustomerId, Id, Sku, StockLine } from '../primitives';

const Count = z.number().int().nonnegative();

/** A reservation is all the lines of one checkout; its id is the checkout's id. */
export const StockReserved = defineEvent({
  name: 'StockReserved',
  version: '1.0',
  domain: 'inventory',
  data: z.object({
    reservationId: Id,
    orderId: Id,
    customerId: CustomerId,
    lines: z.array(StockLine).min(1),
  }),
  aggregateOf: (d) => d.reservationId,
});

export const StockReservationFailed = defineEvent({
  name: 'StockReservationFailed',
  version: '1.0',
  domain: 'inventory',
  data: z.object({
    reservationId: Id,
    orderId: Id,
    reason: z.string().max(500),
    shortSkus: z.array(z.object({ sku: Sku, requested: Count, available: Count })),
  }),
  aggregateOf: (d) => d.reservationId,
});

export const StockReleased = defineEvent({
  name: 'StockReleased',
  version: '1.0',
  domain: 'inventory',
  data: z.object({ reservationId: Id, orderId: Id, lines: z.array(StockLine) }),
  aggregateOf: (d) => d.reservationId,
});

export const StockConfirmed = defineEvent({
  name: 'StockConfirmed',
  version: '1.0',
  domain: 'inventory',
  data: z.object({ reservationId: Id, orderId: Id, lines: z.array(StockLine) }),
  aggregateOf: (d) => d.reservationId,
});

export const LowStockAlert = defineEvent({
  name: 'LowStockAlert',
  version: '1.0',
  domain: 'inventory',
  data: z.object({ sku: Sku, currentQuantity: Count, threshold: Count }),
  aggregateOf: (d) => d.sku,
});

/** Not in the record: every change of a SKU's counts, so live storefronts show stock as it moves. */
export const StockLevelChanged = defineEvent({
  name: 'StockLevelChanged',
  version: '1.0',
  domain: 'inventory',
  data: z.object({ sku: Sku, available: Count, reserved: Count, sold: Count, lowStockThreshold: Count }),
  aggregateOf: (d) => d.sku,
});
