import { InternalClient } from '@shop/platform';
import { CATALOGUE } from './workload';

const CREATE = 'mutation SeedProduct($input: CreateProductInput!) { createProduct(input: $input) { sku } }';
const SET_STOCK = 'mutation SeedStock($sku: ID!, $available: Int!) { setStock(sku: $sku, available: $available) { available } }';
const STOCK_ROW_ATTEMPTS = 100;

/**
 * Creates the benchmark catalogue through the product subgraph and gives every product its stock
 * through inventory, as an admin with signed requests (the ordinary path, not the benchmark
 * bypass). Inventory creates a product's stock row when ProductCreated reaches it over RabbitMQ.
 */
export async function seedCatalogue(signingKey: string, productUrl: string, inventoryUrl: string): Promise<void> {
  const client = new InternalClient({ caller: 'bench', signingKey });
  const admin = { sub: 'bench-admin', role: 'admin' as const };
  for (const { sku, name, price } of CATALOGUE) {
    await client.query(productUrl, CREATE, { input: { sku, name, price, currency: 'GBP' } }, admin);
  }
  for (const { sku, available } of CATALOGUE) {
    for (let attempt = 1; ; attempt++) {
      const result = await client.request(inventoryUrl, SET_STOCK, { sku, available }, admin);
      if (!result.errors?.length) break;
      if (result.errors[0].extensions?.code !== 'NOT_FOUND' || attempt >= STOCK_ROW_ATTEMPTS)
        throw new Error(`could not set the stock of ${sku}: ${result.errors[0].message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
