import { type SubgraphContext, formatAmount } from '@shop/platform';
import { activeNow } from '../availability';
import type { CartLine as CartLineEntity } from '../entities/cart-line.entity';

export const CartLine = {
  /** A reference the gateway resolves through the product subgraph. */
  product({ sku }: CartLineEntity) {
    return { __typename: 'Product', sku };
  },

  unitPrice(line: CartLineEntity) {
    return { amount: formatAmount(line.unitPrice, line.currency), currency: line.currency };
  },

  productActive({ sku }: CartLineEntity, _: unknown, context: SubgraphContext) {
    return activeNow(context, sku);
  },
};
