import { Sku } from '@shop/events';
import { type SubgraphContext, requireAdmin, validArg } from '@shop/platform';
import { setStock } from '../stock';

// Counting stock needs the admin role; checkouts move stock through commands, not mutations.

export const Mutation = {
  setStock(
    _: unknown,
    args: { sku: string; available: number; lowStockThreshold?: number | null },
    { identity, em, outbox }: SubgraphContext,
  ) {
    requireAdmin(identity);
    return setStock(em, outbox, validArg(Sku, args.sku, 'sku'), args.available, args.lowStockThreshold);
  },
};
