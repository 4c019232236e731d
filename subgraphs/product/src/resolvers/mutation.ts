import { Sku } from '@shop/events';
import { PriceRange, type SubgraphContext, requireAdmin, validArg } from '@shop/platform';
import { type NewProduct, changePrice, createProduct, setActive, updateProduct } from '../catalogue';

// Catalogue changes need the admin role; arguments are checked before any work (the catalogue
// checks names, descriptions and the currency's scale itself).

export const Mutation = {
  createProduct(_: unknown, { input }: { input: NewProduct }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    validArg(PriceRange, input.price, 'input.price');
    return createProduct(em, outbox, input);
  },

  updateProduct(
    _: unknown,
    args: { sku: string; input: { name?: string | null; description?: string | null } },
    { identity, em, outbox }: SubgraphContext,
  ) {
    requireAdmin(identity);
    return updateProduct(em, outbox, validArg(Sku, args.sku, 'sku'), args.input);
  },

  changePrice(_: unknown, args: { sku: string; price: string }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return changePrice(em, outbox, validArg(Sku, args.sku, 'sku'), validArg(PriceRange, args.price, 'price'));
  },

  deactivateProduct(_: unknown, { sku }: { sku: string }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return setActive(em, outbox, validArg(Sku, sku, 'sku'), false);
  },

  reactivateProduct(_: unknown, { sku }: { sku: string }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return setActive(em, outbox, validArg(Sku, sku, 'sku'), true);
  },
};
