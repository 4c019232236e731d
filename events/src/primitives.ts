import { z } from 'zod';

/** An exact decimal amount as a string ("79.99"): money never travels as a JSON float. */
export const Decimal = z.string().regex(/^\d{1,12}(\.\d{1,4})?$/, 'must be a non-negative decimal string such as "79.99"');

/** ISO 4217 style three-letter currency code. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter currency code such as "GBP"');

export const Sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"');

export const Id = z.uuid();

export const CustomerId = z.string().min(1).max(128);

export const Email = z.email().max(254);

export const Quantity = z.number().int().min(1).max(100_000);

export const StockLine = z.object({ sku: Sku, quantity: Quantity });

export const PricedLine = z.object({ sku: Sku, quantity: Quantity, unitPrice: Decimal });

export const Timestamp = z.iso.datetime({ offset: true });
