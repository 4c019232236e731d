import { type SubgraphContext, requireAdmin } from '@shop/platform';
import { refundOrder, shipOrder } from '../orders';

// Shipping and refunding need the admin role.

export const Mutation = {
  shipOrder(_: unknown, args: { id: string; trackingNumber: string }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return shipOrder(em, outbox, args.id, args.trackingNumber);
  },

  refundOrder(_: unknown, { id }: { id: string }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return refundOrder(em, outbox, id);
  },
};
