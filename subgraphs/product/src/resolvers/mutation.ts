import { type SubgraphContext, requireAdmin } from '@shop/platform';
import { type NewProduct, changePrice, createProduct, setActive, updateProduct } from '../catalogue';

// Catalogue changes need the admin role.

export const Mutation = {
  createProduct(_: unknown, { input }: { input: NewProduct }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return createProduct(em, outbox, input);
  },

  updateProduct(
    _: unknown,
    args: { sku: string; input: { name?: string | null; description?: string | null } },
    { identity, em, outbox }: SubgraphContext,
  ) {
    requireAdmin(identity);
    return updateProduct(em, outbox, args.sku, args.input);
  },

  changePrice(_: unknown, args: { sku: string; price: string }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return changePrice(em, outbox, args.sku, args.price);
  },

  deactivateProduct(_: unknown, { sku }: { sku: string }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return setActive(em, outbox, sku, false);
  },

  reactivateProduct(_: unknown, { sku }: { sku: string }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return setActive(em, outbox, sku, true);
  },
};
