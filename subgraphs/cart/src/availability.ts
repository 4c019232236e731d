import { type SubgraphContext, loaderFor, notFound } from '@shop/platform';

// What the product and inventory subgraphs say about a SKU right now, asked with a request signed
// as acting for the customer (the callee applies the customer's rights, not the cart service's).

const PRODUCT = `query ($sku: ID!) { product(sku: $sku) { active price { amount currency } } }`;
const ACTIVE = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { sku active } } }`;
const STOCK = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stock { available } } } }`;

export interface ProductNow {
  active: boolean;
  price: string;
  currency: string;
}

export async function productNow({ services, config, identity }: SubgraphContext, sku: string): Promise<ProductNow> {
  const { product } = await services.query<{ product: { active: boolean; price: { amount: string; currency: string } } | null }>(
    config.serviceUrls.product,
    PRODUCT,
    { sku },
    identity,
  );
  if (!product) throw notFound(`product ${sku}`);
  return { active: product.active, price: product.price.amount, currency: product.price.currency };
}

/** Units that can be sold now; none while inventory has no stock row for the SKU. */
export async function availableNow({ services, config, identity }: SubgraphContext, sku: string): Promise<number> {
  const { _entities } = await services.query<{ _entities: ({ stock: { available: number } | null } | null)[] }>(
    config.serviceUrls.inventory,
    STOCK,
    { r: [{ __typename: 'Product', sku }] },
    identity,
  );
  return _entities[0]?.stock?.available ?? 0;
}

/** Whether each SKU is on sale now; all the lines of one request are asked in one call. */
export function activeNow(context: SubgraphContext, sku: string): Promise<boolean> {
  return loaderFor(context, 'productActive', async (skus: readonly string[]) => {
    const { _entities } = await context.services.query<{ _entities: ({ sku: string; active: boolean } | null)[] }>(
      context.config.serviceUrls.product,
      ACTIVE,
      { r: skus.map((s) => ({ __typename: 'Product', sku: s })) },
      context.identity,
    );
    return _entities.map((product) => product?.active ?? false);
  }).load(sku);
}
