import { formatAmount } from '@shop/platform';
import type { CartLine as CartLineEntity } from '../entities/cart-line.entity';

export const CartLine = {
  /** A reference the gateway resolves through the product subgraph. */
  product({ sku }: CartLineEntity) {
    return { __typename: 'Product', sku };
  },

  unitPrice(line: CartLineEntity) {
    return { amount: formatAmount(line.unitPrice, line.currency), currency: line.currency };
  },
};
