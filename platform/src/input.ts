import { Buffer } from 'node:buffer';
import type { z } from 'zod';
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
