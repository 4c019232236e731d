import { randomUUID } from 'node:crypto';
import { publishRaw } from '@shop/events/src/testing';
import { DuplicatingTransport } from '@shop/events/src/testing/duplicating-transport';
import { SERVICE_NAMES } from '@shop/platform';
import type { Shop, ShopOptions } from '../world/shop';
import { restartPostgres, stopRabbitMq } from './infrastructure';
import type { Facts } from './invariants';
import { ReorderingTransport } from './reordering-transport';
import { sleep } from './workload';

export type ProfileName = 'short' | 'full';

export interface Scenario {
  name: string;
  /** What happens, in a few words, for the summary. */
  fault: string;
  /** Stops a server every engineer on the machine shares (RabbitMQ or PostgreSQL). */
  disruptive: boolean;
  shop: Omit<ShopOptions, 'label'>;
  /** How many checkouts, started how many per second, in each profile. */
  load: Record<ProfileName, { checkouts: number; perSecond: number }>;
  paymentTokenOf?: (i: number) => string;
  /** Runs while the load runs, from about a quarter into it; resolves with when each thing broken was repaired (Date.now()). */
  inject(shop: Shop, log: (line: string) => void): Promise<number[]>;
  /** Messages that must end in a dead-letter queue, by queue (without the prefix). */
  expectedDeadLetters?: Record<string, number>;
  /** What else must hold in this scenario; returns the violations. */
  check?(facts: Facts): string[];
}

/** Most customers pay with a card that works; one in twenty is declined, so compensation runs in every scenario. */
const normalTokens = (i: number) => (i % 20 === 7 ? 'tok_declined' : 'tok_visa');

const nothingToRepair = async (): Promise<number[]> => [];

export const SCENARIOS: Scenario[] = [
  {
    name: 'kill',
    fault: 'kill -9 of each service in turn, then restart',
    disruptive: false,
    shop: { asProcesses: [...SERVICE_NAMES] },
    load: { short: { checkouts: 60, perSecond: 1.5 }, full: { checkouts: 300, perSecond: 4 } },
    async inject(shop, log) {
      const repairs: number[] = [];
      for (const name of SERVICE_NAMES) {
        log(`kill -9 ${name}`);
        await shop.kill(name);
        await sleep(2_000);
        await shop.start(name);
        repairs.push(Date.now());
        log(`${name} restarted`);
        await sleep(2_000);
      }
      return repairs;
    },
  },
  {
    name: 'rabbitmq',
    fault: 'rabbitmqctl stop_app for 10 s, then start_app',
    disruptive: true,
    shop: {},
    load: { short: { checkouts: 40, perSecond: 2 }, full: { checkouts: 300, perSecond: 5 } },
    async inject(_shop, log) {
      log('rabbitmqctl stop_app');
      await stopRabbitMq(10_000);
      log('rabbitmqctl start_app: the broker is back');
      return [Date.now()];
    },
  },
  {
    name: 'postgres',
    fault: 'PostgreSQL restarted with -m immediate',
    disruptive: true,
    shop: {},
    load: { short: { checkouts: 40, perSecond: 2 }, full: { checkouts: 300, perSecond: 5 } },
    async inject(_shop, log) {
      log('pg_ctlcluster restart -m immediate');
      await restartPostgres();
      log('PostgreSQL accepts connections again');
      return [Date.now()];
    },
  },
  {
    name: 'duplicates',
    fault: 'every message published twice',
    disruptive: false,
    shop: { wrapTransport: (transport) => new DuplicatingTransport(transport) },
    load: { short: { checkouts: 40, perSecond: 2 }, full: { checkouts: 300, perSecond: 5 } },
    inject: nothingToRepair,
  },
  {
    name: 'reorder',
    fault: 'each batch of messages published shuffled',
    disruptive: false,
    shop: { wrapTransport: (transport) => new ReorderingTransport(transport) },
    load: { short: { checkouts: 40, perSecond: 2 }, full: { checkouts: 300, perSecond: 5 } },
    inject: nothingToRepair,
  },
  {
    name: 'poison',
    fault: 'three poison messages among the good ones',
    disruptive: false,
    shop: {},
    load: { short: { checkouts: 40, perSecond: 2 }, full: { checkouts: 300, perSecond: 5 } },
    async inject(shop, log) {
      const envelope = (eventType: string, source: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        JSON.stringify({
          eventId: randomUUID(),
          eventType,
          timestamp: new Date().toISOString(),
          correlationId: randomUUID(),
          source,
          version: '1.0',
          sequence: 1,
          ...extra,
          data,
        });
      const poison = [
        { exchange: 'inventory-commands', routingKey: 'ReserveStock', body: '{"eventId": "not json' },
        {
          exchange: 'inventory-commands',
          routingKey: 'ReserveStock',
          // Well-formed, from the right sender, in time, but its data is invalid.
          body: envelope(
            'ReserveStock',
            'checkout-service',
            { reservationId: 'not-a-uuid', lines: [] },
            { notAfter: new Date(Date.now() + 60_000).toISOString() },
          ),
        },
        {
          // A well-formed PaymentSucceeded from a service that may not send it.
          exchange: 'payment-events',
          routingKey: 'PaymentSucceeded',
          body: envelope('PaymentSucceeded', 'order-service', {
            paymentRef: 'pay-forged',
            amount: '12.50',
            currency: 'GBP',
            orderId: randomUUID(),
            checkoutId: randomUUID(),
          }),
        },
      ];
      for (const message of poison) {
        log(`poison to ${message.exchange} (${message.routingKey})`);
        await publishRaw(shop.prefix, [message]);
        await sleep(2_000);
      }
      return [];
    },
    expectedDeadLetters: { 'inventory-service-queue.dlq': 2, 'checkout-service-queue.dlq': 1 },
  },
  {
    name: 'slow',
    fault: 'one payment in five succeeds after the deadline (tok_slow)',
    disruptive: false,
    // A short deadline and a payment later than it, so the scenario takes seconds, not minutes.
    shop: { env: { CHECKOUT_STEP_TIMEOUT_MS: '10000', PAYMENT_SLOW_MS: '14000' } },
    load: { short: { checkouts: 40, perSecond: 2 }, full: { checkouts: 300, perSecond: 5 } },
    paymentTokenOf: (i) => (i % 5 === 0 ? 'tok_slow' : normalTokens(i)),
    inject: nothingToRepair,
    check({ customers, checkoutOf, paymentOf }) {
      const wrong = customers
        .filter((c) => c.paymentToken === 'tok_slow')
        .map((c) => checkoutOf.get(c.who.sub))
        .filter((row) => row && (row.status !== 'FAILED' || paymentOf.get(row.id) !== 'REFUNDED'))
        .map((row) => `${row!.id}: ${row!.status}, payment ${paymentOf.get(row!.id) ?? 'none'}`);
      return wrong.length > 0
        ? [`${wrong.length} tok_slow checkouts not FAILED with a refunded payment: ${wrong.slice(0, 3).join('; ')}`]
        : [];
    },
  },
];

export const paymentTokenOf = (scenario: Scenario) => scenario.paymentTokenOf ?? normalTokens;

/** The sum over the services of messages their inboxes recognised as already applied (since each service last started). */
export async function duplicatesSuppressed(shop: Shop): Promise<number> {
  let total = 0;
  for (const name of SERVICE_NAMES) {
    const url = shop.urls[name].replace(/\/graphql$/, '/metrics');
    const metrics = await fetch(url)
      .then((response) => response.text())
      .catch((err: Error) => Promise.reject(new Error(`could not read ${url}: ${err.message}`)));
    for (const line of metrics.split('\n')) {
      if (line.startsWith('messaging_duplicates_skipped_total')) total += Number(line.split(' ').at(-1));
    }
  }
  return total;
}
