import { type SubgraphContext, loaderFor } from '@shop/platform';
import { StockItem } from '../entities/stock-item.entity';

export const Product = {
  /** Federation: the stock of every product referenced in one request loads in one query. */
  async __resolveReference({ sku }: { sku: string }, context: SubgraphContext) {
    const stock = await loaderFor(context, 'stockBySku', async (skus: readonly string[]) => {
      const rows = await context.em.find(StockItem, { sku: { $in: [...skus] } });
      const bySku = new Map(rows.map((row) => [row.sku, row]));
      return skus.map((s) => bySku.get(s) ?? null);
    }).load(sku);
    return { sku, stock };
  },
};
