import { type ServiceName, SERVICE_NAMES } from '@shop/platform';
import { databaseRows } from '../world/requests';
import type { Shop } from '../world/shop';
import { queueDepths } from './broker';
import { type Customer, INITIAL_STOCK, sleep } from './workload';

// What must hold once a scenario's load and fault are over, read from each service's own
// database and from the broker. Every check here is eventually true in a correct system, so a
// scenario waits until they all hold (or its time is up) and reports whatever still does not.

const FINAL = new Set(['COMPLETED', 'FAILED']);

interface CheckoutRow {
  id: string;
  customer_id: string;
  status: string;
  lines: { sku: string; quantity: number }[];
}

/** The rows the invariants are read from, for a scenario's own checks too. */
export interface Facts {
  customers: Customer[];
  checkoutOf: Map<string, CheckoutRow>;
  paymentOf: Map<string, string>;
  orderOf: Map<string, string>;
}

export interface Verdict {
  completed: number;
  failed: number;
  /** Started checkouts that never ended, and completed ones without their order or payment. */
  lost: number;
  /** Dead-lettered messages, by queue. */
  deadLetters: Record<string, number>;
  violations: string[];
}

/** Up to three examples, and how many more. */
const examples = (items: string[]) => items.slice(0, 3).join('; ') + (items.length > 3 ? ` (and ${items.length - 3} more)` : '');

export async function checkInvariants(
  shop: Shop,
  customers: Customer[],
  expectedDeadLetters: Record<string, number>,
  scenarioCheck?: (facts: Facts) => string[],
): Promise<Verdict> {
  const violations: string[] = [];
  const report = (what: string, items: string[]) => items.length > 0 && violations.push(`${items.length} ${what}: ${examples(items)}`);
  const db = shop.databases;

  const checkouts = await databaseRows<CheckoutRow>(db.checkout.url, `select id, customer_id, status, lines from checkouts`);
  const checkoutOf = new Map(checkouts.map((row) => [row.customer_id, row]));
  const payments = await databaseRows<{ checkout_id: string; status: string }>(db.payment.url, `select checkout_id, status from payments`);
  const paymentOf = new Map(payments.map((row) => [row.checkout_id, row.status]));
  const orders = await databaseRows<{ checkout_id: string; status: string }>(db.order.url, `select checkout_id, status from orders`);
  const orderOf = new Map(orders.map((row) => [row.checkout_id, row.status]));
  const started = customers.filter((c) => c.checkoutId);

  const unfinished = started.filter((c) => !FINAL.has(checkoutOf.get(c.who.sub)?.status ?? 'MISSING'));
  report(
    'checkouts not COMPLETED or FAILED',
    unfinished.map((c) => `${c.checkoutId} ${checkoutOf.get(c.who.sub)?.status ?? 'MISSING'}`),
  );
  const completed = checkouts.filter((row) => row.status === 'COMPLETED');
  const failed = checkouts.filter((row) => row.status === 'FAILED');
  const incomplete = completed.filter((row) => paymentOf.get(row.id) !== 'SUCCEEDED' || orderOf.get(row.id) !== 'PAID');
  report(
    'completed checkouts without one successful payment and one paid order',
    incomplete.map((row) => `${row.id}: payment ${paymentOf.get(row.id) ?? 'none'}, order ${orderOf.get(row.id) ?? 'none'}`),
  );
  const completedIds = new Set(completed.map((row) => row.id));
  const known = new Set(checkouts.map((row) => row.id));
  report(
    'successful payments without a completed checkout',
    payments.filter((p) => p.status === 'SUCCEEDED' && !completedIds.has(p.checkout_id)).map((p) => p.checkout_id),
  );
  report(
    'payments still pending',
    payments.filter((p) => p.status === 'PENDING').map((p) => p.checkout_id),
  );
  report(
    'orders of failed checkouts not FAILED',
    orders.filter((o) => !completedIds.has(o.checkout_id) && o.status !== 'FAILED').map((o) => `${o.checkout_id} ${o.status}`),
  );
  report(
    'payments or orders of no checkout',
    [...payments, ...orders].filter((row) => !known.has(row.checkout_id)).map((row) => row.checkout_id),
  );

  const soldBySku = new Map<string, number>();
  for (const row of completed) for (const line of row.lines) soldBySku.set(line.sku, (soldBySku.get(line.sku) ?? 0) + line.quantity);
  const stock = await databaseRows<{ sku: string; available: number; reserved: number; sold: number }>(
    db.inventory.url,
    `select sku, available, reserved, sold from stock_items`,
  );
  report(
    'stock rows not conserved (available + reserved + sold, reserved 0, sold = what completed)',
    stock
      .filter((s) => s.available + s.reserved + s.sold !== INITIAL_STOCK || s.reserved !== 0 || s.sold !== (soldBySku.get(s.sku) ?? 0))
      .map((s) => `${s.sku}: ${s.available} + ${s.reserved} + ${s.sold}, ${soldBySku.get(s.sku) ?? 0} sold by completed checkouts`),
  );

  const pendingOutbox: string[] = [];
  for (const name of SERVICE_NAMES as readonly ServiceName[]) {
    const [{ n }] = await databaseRows<{ n: number }>(db[name].url, `select count(*)::int as n from outbox where sent_at is null`);
    if (n > 0) pendingOutbox.push(`${name}: ${n}`);
  }
  report('outboxes not drained', pendingOutbox);

  const deadLetters: Record<string, number> = {};
  const unexpectedQueues: string[] = [];
  for (const [queue, depth] of await queueDepths(shop.prefix)) {
    if (queue.endsWith('.dlq') && depth > 0) deadLetters[queue] = depth;
    if (depth !== (expectedDeadLetters[queue] ?? 0))
      unexpectedQueues.push(`${queue}: ${depth} (expected ${expectedDeadLetters[queue] ?? 0})`);
  }
  report('queues not as expected', unexpectedQueues);

  const facts = { customers, checkoutOf, paymentOf, orderOf };
  violations.push(...(scenarioCheck?.(facts) ?? []));
  return { completed: completed.length, failed: failed.length, lost: unfinished.length + incomplete.length, deadLetters, violations };
}

/** Checks until every invariant holds or the time is up; resolves with the last verdict and how long it took. */
export async function settle(check: () => Promise<Verdict>, timeoutMs: number): Promise<{ verdict: Verdict; seconds: number }> {
  const started = Date.now();
  for (;;) {
    const verdict = await check().catch((err: Error): Verdict => ({
      completed: 0,
      failed: 0,
      lost: 0,
      deadLetters: {},
      violations: [`could not check: ${err.message}`],
    }));
    if (verdict.violations.length === 0 || Date.now() - started > timeoutMs) return { verdict, seconds: (Date.now() - started) / 1000 };
    await sleep(1_000);
  }
}
