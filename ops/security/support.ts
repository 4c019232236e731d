import { randomUUID } from 'node:crypto';
import { DeadLetterHeaders, deadLetterQueueOf, serviceQueueOf } from '@shop/events';
import { TEST_AMQP_URL, waitFor } from '@shop/events/src/testing';
import { type GraphQLResponse, type Identity, SERVICE_NAMES } from '@shop/platform';
import amqplib from 'amqplib';
import { Client } from 'pg';
import { createStockedProduct, ok } from '../world/requests';
import type { Shop } from '../world/shop';

// What the security suites share: a shop with data in it, a digest of every table to prove an
// attack changed nothing, and a look into a service's dead-letter queue.

export const securityAdmin: Identity = { sub: 'sec-admin', role: 'admin' };

export const newCustomer = (label: string): Identity => ({ sub: `sec-${label}-${randomUUID().slice(0, 8)}`, role: 'customer' });

export const codesOf = (result: GraphQLResponse<unknown>): (string | undefined)[] => (result.errors ?? []).map((e) => e.extensions?.code);

/** A product with stock, created as an admin would. */
export async function stockedProduct(shop: Shop, stock: number, price = '10.00'): Promise<string> {
  const sku = `SEC-${randomUUID().slice(0, 8)}`;
  await createStockedProduct(shop, securityAdmin, { sku, name: `Item ${sku}`, price, stock });
  return sku;
}

export interface CompletedCheckout {
  checkoutId: string;
  orderId: string;
  paymentRef: string;
}

/** Fills the customer's cart and checks out with `tok_visa` until the order exists and is paid. */
export async function completedCheckout(shop: Shop, who: Identity, sku: string): Promise<CompletedCheckout> {
  await ok(shop, `mutation { addToCart(sku: "${sku}", quantity: 1) { total { amount } } }`, {}, who);
  const { startCheckout } = await ok<{ startCheckout: { id: string } }>(
    shop,
    'mutation { startCheckout(input: { paymentToken: "tok_visa" }) { id } }',
    {},
    who,
  );
  type View = { checkout: { status: string; order: { id: string; payment: { ref: string } | null } | null } };
  const done = await waitFor(
    async () => {
      const { checkout } = await ok<View>(
        shop,
        'query ($id: ID!) { checkout(id: $id) { status order { id payment { ref } } } }',
        { id: startCheckout.id },
        who,
      );
      if (checkout.status === 'FAILED') throw new Error(`checkout ${startCheckout.id} failed`);
      return checkout.order?.payment ? checkout : null;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `checkout ${startCheckout.id} to complete` },
  );
  return { checkoutId: startCheckout.id, orderId: done!.order!.id, paymentRef: done!.order!.payment!.ref };
}

/** Every table of every service's database: its row count and an md5 of its rows. */
export async function databaseDigest(shop: Shop): Promise<Record<string, string>> {
  const perService = await Promise.all(
    SERVICE_NAMES.map(async (service) => [service, await digestOf(shop.databases[service].url)] as const),
  );
  const digest: Record<string, string> = {};
  for (const [service, tables] of perService) for (const [table, value] of Object.entries(tables)) digest[`${service}.${table}`] = value;
  return digest;
}

async function digestOf(url: string): Promise<Record<string, string>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `select quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    );
    if (tables.rows.length === 0) return {};
    const { rows } = await client.query<{ name: string; value: string }>(
      tables.rows
        .map(
          ({ name }) =>
            `select '${name}' as name, count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '-') as value from ${name} t`,
        )
        .join(' union all '),
    );
    return Object.fromEntries(rows.map((row) => [row.name, row.value]));
  } finally {
    await client.end();
  }
}

/** The digest once the system is quiet: relays and consumers have finished what was in flight. */
export async function settledDigest(shop: Shop): Promise<Record<string, string>> {
  let previous = await databaseDigest(shop);
  // waitFor returns only a truthy value: the digest.
  return (await waitFor(
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const next = await databaseDigest(shop);
      const same = JSON.stringify(next) === JSON.stringify(previous);
      previous = next;
      return same ? next : null;
    },
    { timeoutMs: 20_000, intervalMs: 0, what: 'the databases to settle' },
  )) as Record<string, string>;
}

export interface DeadLetter {
  body: string;
  reason: string;
}

/** Takes what is in a service's dead-letter queue (the messages are removed). */
export async function takeDeadLetters(prefix: string, service: string): Promise<DeadLetter[]> {
  const connection = await amqplib.connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const queue = prefix + deadLetterQueueOf(serviceQueueOf(service));
    const taken: DeadLetter[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (!message) break;
      taken.push({ body: message.content.toString(), reason: String(message.properties.headers?.[DeadLetterHeaders.reason] ?? '') });
    }
    await channel.close();
    return taken;
  } finally {
    await connection.close();
  }
}
