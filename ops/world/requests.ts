import { waitFor } from '@shop/events/src/testing';
import type { Identity } from '@shop/platform';
import { Client } from 'pg';
import type { Shop } from './shop';

// What tests, benchmarks and fault runs ask of a whole shop: through its gateway, or straight from a service's database.

/** The data of a successful answer; any error is thrown with its message and code. */
export async function ok<T>(
  shop: Shop,
  query: string,
  variables: Record<string, unknown> = {},
  identity: Identity | null = null,
): Promise<T> {
  const result = await shop.query<T>(query, variables, identity);
  if (result.errors?.length) throw new Error(`${result.errors[0].message} (${result.errors[0].extensions?.code})`);
  return result.data as T;
}

export interface StockedProduct {
  sku: string;
  name?: string;
  price: string;
  stock: number;
  /** How long inventory may take to hold the product's stock row (it comes with ProductCreated). */
  timeoutMs?: number;
}

/** Creates a product as this admin, then sets its stock once inventory holds its row. */
export async function createStockedProduct(shop: Shop, admin: Identity, product: StockedProduct): Promise<void> {
  const { sku, name = sku, price, stock, timeoutMs } = product;
  await ok(
    shop,
    'mutation ($i: CreateProductInput!) { createProduct(input: $i) { sku } }',
    { i: { sku, name, price, currency: 'GBP' } },
    admin,
  );
  await waitFor(
    async () => !(await shop.query(`mutation { setStock(sku: "${sku}", available: ${stock}) { available } }`, {}, admin)).errors,
    { timeoutMs, what: `the stock row of ${sku}` },
  );
}

/** The rows a query returns from one database, on a connection of its own. */
export async function databaseRows<T>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}
