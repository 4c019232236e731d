// What the gateway benchmark asks, and the exact answer each request must get. The catalogue is
// seeded fresh for every run, so every answer is known in advance.

export const PRODUCT_COUNT = 60;
export const LIST_SIZE = 50;

export interface CatalogueProduct {
  sku: string;
  name: string;
  price: string;
  available: number;
}

/** The seeded catalogue: SKUs sort in catalogue order, prices and stock vary. */
export const CATALOGUE: CatalogueProduct[] = Array.from({ length: PRODUCT_COUNT }, (_, i) => {
  const n = String(i + 1).padStart(3, '0');
  return {
    sku: `BENCH-${n}`,
    name: `Benchmark product ${n}`,
    price: `${10 + i}.${String((i * 7) % 100).padStart(2, '0')}`,
    available: 100 + i,
  };
});

export type QueryName = 'single' | 'federated' | 'list';

export interface BenchQuery {
  /** The request body every client sends, as bytes on the wire. */
  body: string;
  /** The `data` every answer must carry. */
  expected: unknown;
}

const HOT_PRODUCT = CATALOGUE[7];
const price = (product: CatalogueProduct) => ({ amount: product.price, currency: 'GBP' });
const request = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

/**
 * The three operations: one product by SKU (product subgraph alone), the same product with its
 * stock (product, then inventory), and the first 50 products with their stock (one product fetch,
 * one inventory fetch of 50 entities). Every client sends the same operation: a hot product, or
 * the storefront's first page.
 */
export const QUERIES: Record<QueryName, BenchQuery> = {
  single: {
    body: request('query ProductBySku($sku: ID!) { product(sku: $sku) { sku name price { amount currency } } }', { sku: HOT_PRODUCT.sku }),
    expected: { product: { sku: HOT_PRODUCT.sku, name: HOT_PRODUCT.name, price: price(HOT_PRODUCT) } },
  },
  federated: {
    body: request('query ProductWithStock($sku: ID!) { product(sku: $sku) { sku name price { amount currency } stock { available } } }', {
      sku: HOT_PRODUCT.sku,
    }),
    expected: {
      product: { sku: HOT_PRODUCT.sku, name: HOT_PRODUCT.name, price: price(HOT_PRODUCT), stock: { available: HOT_PRODUCT.available } },
    },
  },
  list: {
    body: request(
      'query ProductList($first: Int!) { products(first: $first) { items { sku name price { amount currency } stock { available } } } }',
      { first: LIST_SIZE },
    ),
    expected: {
      products: {
        items: CATALOGUE.slice(0, LIST_SIZE).map((product) => ({
          sku: product.sku,
          name: product.name,
          price: price(product),
          stock: { available: product.available },
        })),
      },
    },
  },
};
