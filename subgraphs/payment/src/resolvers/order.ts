import type { SubgraphContext } from '@shop/platform';
import { visiblePayment } from './payment';

export const Order = {
  /** The payment that paid for the order, found by order id. */
  payment({ id }: { id: string }, _: unknown, context: SubgraphContext) {
    return visiblePayment(context, 'orderId', id);
  },
};
