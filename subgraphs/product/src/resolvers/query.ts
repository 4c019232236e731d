import type { FilterQuery } from '@mikro-orm/core';
import { SearchText, type SubgraphContext, pageArgs, pageOf, validArg } from '@shop/platform';
import { Product } from '../entities/product.entity';

interface ProductsArgs {
  search?: string | null;
  includeInactive?: boolean | null;
  first?: number | null;
  after?: string | null;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export const Query = {
  async products(_: unknown, args: ProductsArgs, { em }: SubgraphContext) {
    const { first, after } = pageArgs(args.first, args.after);
    const where: FilterQuery<Product>[] = [];
    if (!args.includeInactive) where.push({ active: true });
    if (after) where.push({ sku: { $gt: after } });
    const search = args.search == null ? '' : validArg(SearchText, args.search, 'search').trim();
    if (search) {
      const pattern = `%${escapeLike(search)}%`;
      where.push({ $or: [{ name: { $ilike: pattern } }, { sku: { $ilike: pattern } }] });
    }
    const rows = await em.find(Product, { $and: where }, { orderBy: { sku: 'asc' }, limit: first + 1 });
    return pageOf(rows, first, (p) => p.sku);
  },

  product(_: unknown, { sku }: { sku: string }, { em }: SubgraphContext) {
    return em.findOne(Product, { sku });
  },
};
