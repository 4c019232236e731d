import type { SubgraphContext } from '@shop/platform';
import { myCart } from '../cart';

export const Query = {
  myCart(_: unknown, _args: unknown, context: SubgraphContext) {
    return myCart(context);
  },
};
