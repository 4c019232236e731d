import { EntityId, type SubgraphContext, requireAdmin, validArg } from '@shop/platform';
import { refundOrder, shipOrder } from '../orders';

// Shipping and refunding need the admin role; a malformed id is BAD_USER_INPUT, an unknown one NOT_FOUND.

export const Mutation = {
  shipOrder(_: unknown, args: { id: string; trackingNumber: string }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return shipOrder(em, outbox, validArg(EntityId, args.id, 'id'), args.trackingNumber);
  },

  refundOrder(_: unknown, { id }: { id: string }, { identity, em, outbox }: SubgraphContext) {
    requireAdmin(identity);
    return refundOrder(em, outbox, validArg(EntityId, id, 'id'));
  },
};
