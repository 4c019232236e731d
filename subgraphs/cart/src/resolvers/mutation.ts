import type { SubgraphContext } from '@shop/platform';
import { addToCart, removeFromCart, updateCartLine } from '../cart';

// Each works on the caller's own cart (a token is needed); the cart is chosen by the token, never by an argument.

export const Mutation = {
  addToCart(_: unknown, args: { sku: string; quantity: number }, context: SubgraphContext) {
    return addToCart(context, args.sku, args.quantity);
  },

  updateCartLine(_: unknown, args: { sku: string; quantity: number }, context: SubgraphContext) {
    return updateCartLine(context, args.sku, args.quantity);
  },

  removeFromCart(_: unknown, { sku }: { sku: string }, context: SubgraphContext) {
    return removeFromCart(context, sku);
  },
};
