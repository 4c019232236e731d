import { type CartView, totalOf } from '../cart';

export const Cart = {
  total({ lines }: CartView) {
    return totalOf(lines);
  },
};
