import { type SubgraphContext, formatAmount, loaderFor } from '@shop/platform';
import { Product as ProductEntity } from '../entities/product.entity';

export const Product = {
  /** Federation: other subgraphs refer to a product by SKU; all references of one request load together. */
  __resolveReference({ sku }: { sku: string }, context: SubgraphContext) {
    return loaderFor(context, 'productBySku', async (skus: readonly string[]) => {
      const rows = await context.em.find(ProductEntity, { sku: { $in: [...skus] } });
      const bySku = new Map(rows.map((p) => [p.sku, p]));
      return skus.map((s) => bySku.get(s) ?? null);
    }).load(sku);
  },

  price(product: ProductEntity) {
    return { amount: formatAmount(product.price, product.currency), currency: product.currency };
  },
};
