import type { SubgraphContext } from '@shop/platform';
import { visiblePayment } from './payment';

export const Checkout = {
  /** The checkout's payment attempt, whatever became of it, found by checkout id. */
  payment({ id }: { id: string }, _: unknown, context: SubgraphContext) {
    return visiblePayment(context, 'checkoutId', id);
  },
};
