import type { Config, GraphQLResponse } from '@shop/platform';
import { signClientToken } from '@shop/gateway/src/auth';

/** The demo catalogue `npm start` makes sure exists: products with stock, in one currency. */
export const DEMO_PRODUCTS = [
  { sku: 'TRAIL-SHOE-42', name: 'Trail running shoe, size 42', description: 'Grippy, light, waterproof.', price: '89.99', stock: 25 },
  { sku: 'RAIN-JACKET-M', name: 'Rain jacket, medium', description: 'Packs into its own pocket.', price: '129.00', stock: 12 },
  { sku: 'WOOL-SOCKS-3P', name: 'Merino socks, 3 pairs', description: null, price: '24.50', stock: 60 },
  { sku: 'HEADLAMP-400', name: 'Headlamp, 400 lumens', description: 'USB-C rechargeable.', price: '39.95', stock: 30 },
  { sku: 'BOTTLE-1L', name: 'Insulated bottle, 1 litre', description: 'Keeps drinks cold for 24 hours.', price: '27.00', stock: 40 },
  { sku: 'DAYPACK-20L', name: 'Daypack, 20 litres', description: null, price: '64.00', stock: 8 },
  { sku: 'TRAIL-POLES', name: 'Folding trail poles', description: 'Carbon, 310 g a pair.', price: '99.00', stock: 4 },
  { sku: 'FIRST-AID-KIT', name: 'First aid kit', description: null, price: '18.75', stock: 50 },
] as const;

const PRODUCT = 'query DemoProduct($sku: ID!) { product(sku: $sku) { sku } }';
const CREATE = 'mutation DemoCreate($input: CreateProductInput!) { createProduct(input: $input) { sku } }';
const STOCK = 'mutation DemoStock($sku: ID!, $available: Int!) { setStock(sku: $sku, available: $available) { available } }';

type Call = (query: string, variables: Record<string, unknown>) => Promise<GraphQLResponse<unknown>>;

/**
 * Creates the demo products that do not exist yet and gives them stock; products already there
 * are left as they are, so running it again changes nothing.
 */
export async function seedDemoCatalogue(call: Call): Promise<{ created: string[]; existing: string[] }> {
  const created: string[] = [];
  const existing: string[] = [];
  for (const { sku, name, description, price, stock } of DEMO_PRODUCTS) {
    const found = await call(PRODUCT, { sku });
    if ((found.data as { product: unknown } | undefined)?.product) {
      existing.push(sku);
      continue;
    }
    const result = await call(CREATE, { input: { sku, name, description, price, currency: 'GBP' } });
    if (result.errors?.length) throw new Error(`could not create demo product ${sku}: ${result.errors[0].message}`);
    // Inventory creates the stock row when ProductCreated reaches it: wait for it briefly.
    for (let attempt = 0; ; attempt++) {
      const stocked = await call(STOCK, { sku, available: stock });
      if (!stocked.errors?.length) break;
      if (stocked.errors[0].extensions?.code !== 'NOT_FOUND' || attempt >= 50) {
        throw new Error(`could not set the stock of demo product ${sku}: ${stocked.errors[0].message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    created.push(sku);
  }
  return { created, existing };
}

/** seedDemoCatalogue through the gateway, as an administrator. */
export async function seedDemoCatalogueThroughGateway(
  gatewayUrl: string,
  jwt: Config['jwt'],
): Promise<{ created: string[]; existing: string[] }> {
  const admin = await signClientToken(jwt, { sub: 'demo-admin', role: 'admin' }, 3600);
  return seedDemoCatalogue(async (query, variables) => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<unknown>;
  });
}
