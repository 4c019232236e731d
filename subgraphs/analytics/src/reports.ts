import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, formatAmount, pageArgs } from '@shop/platform';
import { LowStock } from './entities/low-stock.entity';

// The admin reports, computed in SQL from the recorded facts. A sale is an order that was created
// and paid and not cancelled by the checkout saga; its day is the UTC day it was created.

/** A half-open range of instants [from, until), either end open. */
export interface Period {
  from: Date | null;
  until: Date | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

function parseDay(value: string, argument: string): Date {
  const date = new Date(`${value}T00:00:00Z`);
  if (!DAY.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw badUserInput(`${argument} must be a day as YYYY-MM-DD, not "${value}"`, argument);
  return date;
}

/** `from` and `to` are UTC days, both included. */
export function periodOf(from: string | null | undefined, to: string | null | undefined): Period {
  const start = from == null ? null : parseDay(from, 'from');
  const end = to == null ? null : parseDay(to, 'to');
  if (start && end && start > end) throw badUserInput(`from (${from}) is after to (${to})`, 'from');
  return { from: start, until: end ? new Date(end.getTime() + DAY_MS) : null };
}

/** The SQL conditions that keep `column` inside the period, and their parameters. */
function within(column: string, period: Period): { sql: string; params: Date[] } {
  const conditions: string[] = [];
  const params: Date[] = [];
  if (period.from) {
    conditions.push(`${column} >= ?`);
    params.push(period.from);
  }
  if (period.until) {
    conditions.push(`${column} < ?`);
    params.push(period.until);
  }
  return { sql: conditions.map((condition) => ` and ${condition}`).join(''), params };
}

const SOLD = `o.placed_at is not null and o.paid and not o.failed`;

export async function salesByDay(em: EntityManager, period: Period) {
  const range = within('o.placed_at', period);
  const rows = await em.execute<{ day: string; currency: string; orders: number; amount: string }[]>(
    `select to_char(o.placed_at at time zone 'UTC', 'YYYY-MM-DD') as day, o.currency, count(*)::int as orders, sum(o.total)::text as amount
       from orders o where ${SOLD}${range.sql}
       group by 1, 2 order by 1, 2`,
    range.params,
  );
  return rows.map((row) => ({ ...row, amount: formatAmount(row.amount, row.currency) }));
}

export async function salesBySku(em: EntityManager, period: Period, first: number | null | undefined) {
  const limit = pageArgs(first, null).first;
  const range = within('o.placed_at', period);
  const lineAmount = `(line->>'quantity')::int * (line->>'unitPrice')::numeric`;
  const rows = await em.execute<{ sku: string; currency: string; units: number; orders: number; amount: string }[]>(
    `select line->>'sku' as sku, o.currency, sum((line->>'quantity')::int)::int as units, count(distinct o.order_id)::int as orders,
            sum(${lineAmount})::text as amount
       from orders o cross join lateral jsonb_array_elements(o.lines) as line
       where ${SOLD}${range.sql}
       group by 1, 2 order by sum(${lineAmount}) desc, 1, 2 limit ?`,
    [...range.params, limit],
  );
  return rows.map((row) => ({ ...row, amount: formatAmount(row.amount, row.currency) }));
}

export async function conversion(em: EntityManager, period: Period) {
  const started = within('c.started_at', period);
  const [checkouts] = await em.execute<{ started: number; completed: number }[]>(
    `select count(*)::int as started, (count(*) filter (where ${SOLD}))::int as completed
       from checkouts c left join orders o on o.order_id = c.order_id
       where true${started.sql}`,
    started.params,
  );
  const expired = within('e.expired_at', period);
  const [carts] = await em.execute<{ expired: number }[]>(
    `select count(*)::int as expired from expired_carts e where true${expired.sql}`,
    expired.params,
  );
  return {
    checkoutsStarted: checkouts.started,
    checkoutsCompleted: checkouts.completed,
    rate: checkouts.started === 0 ? 0 : checkouts.completed / checkouts.started,
    cartsExpired: carts.expired,
  };
}

export async function refunds(em: EntityManager, period: Period) {
  const range = within('r.refunded_at', period);
  const rows = await em.execute<{ currency: string; requestedBy: string; refunds: number; amount: string }[]>(
    `select r.currency, upper(r.requested_by) as "requestedBy", count(*)::int as refunds, sum(r.amount)::text as amount
       from refunds r where true${range.sql}
       group by 1, 2 order by 1, 2`,
    range.params,
  );
  return rows.map((row) => ({ ...row, amount: formatAmount(row.amount, row.currency) }));
}

export function lowStockAlerts(em: EntityManager, first: number | null | undefined) {
  return em.find(LowStock, {}, { orderBy: { at: 'desc', eventId: 'asc' }, limit: pageArgs(first, null).first });
}
