import { Buffer } from 'node:buffer';
import { z } from 'zod';
import { badUserInput } from './errors';

/** Checks one argument against a schema; a failure is BAD_USER_INPUT naming the argument. */
export function validArg<S extends z.ZodType>(schema: S, value: unknown, argument: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = [argument, ...issue.path].join('.');
    throw badUserInput(`${where}: ${issue.message}`, argument);
  }
  return result.data;
}

export const MAX_PAGE_SIZE = 100;

/** `first` and `after` of a keyset page: 1..100 items after the position the cursor names. */
export function pageArgs(first: number | null | undefined, after: string | null | undefined): { first: number; after: string | null } {
  const size = first ?? 50;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
    throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  if (after == null) return { first: size, after: null };
  const decoded = Buffer.from(after, 'base64url').toString('utf8');
  if (!decoded || Buffer.from(decoded, 'utf8').toString('base64url') !== after)
    throw badUserInput('after is not a cursor this API gave', 'after');
  return { first: size, after: decoded };
}

export const cursorOf = (position: string): string => Buffer.from(position, 'utf8').toString('base64url');

/** Takes one row more than asked to know whether another page follows. */
export function pageOf<T>(rows: T[], first: number, positionOf: (row: T) => string): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, first);
  return { items, nextCursor: rows.length > first ? cursorOf(positionOf(items[items.length - 1])) : null };
}

// Argument shapes several subgraphs check before any work; each failure message says what is allowed.

/** Largest price a product may have, in the currency's major unit: anything above is a typo, not a price. */
export const MAX_PRICE = 1_000_000;

const DECIMAL_AMOUNT = /^\d+(\.\d+)?$/;

/**
 * The range of a price: more than zero and at most MAX_PRICE. Its form and its currency's scale
 * are checked with the currency (toMinor), which names what is wrong with a malformed amount.
 */
export const PriceRange = z
  .string()
  .refine((amount) => !DECIMAL_AMOUNT.test(amount) || Number(amount) > 0, 'must be more than zero')
  .refine((amount) => !DECIMAL_AMOUNT.test(amount) || Number(amount) <= MAX_PRICE, `must be at most ${MAX_PRICE}`);

/** A client's idempotency key: the characters of a UUID or a slug, so it is safe to log and index. */
export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9._:~-]{1,100}$/, 'must be 1 to 100 letters, digits, ".", "_", ":", "~" or "-"');

/** A uuid naming an aggregate (order, checkout) in a mutation. */
export const EntityId = z.uuid('must be an id this API gave (a UUID)');

/** A search text: long enough for any name, short enough to keep a LIKE cheap. */
export const SearchText = z.string().max(100, 'must be at most 100 characters');
