import type { TestSubgraph } from '@shop/platform/src/testing';

/** A product's stock as the gateway reads it from inventory; undefined until inventory holds its row. */
export const stockOf = async (inventory: TestSubgraph, sku: string) =>
  (
    await inventory.query<{ _entities: ({ stock: { available: number; reserved: number } } | null)[] }>(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stock { available reserved } } } }`,
      { r: [{ __typename: 'Product', sku }] },
    )
  ).data?._entities[0]?.stock;
