import { type SubgraphContext, canSee, notFound, pageArgs, pageOf, requireIdentity } from '@shop/platform';
import { z } from 'zod';
import { Checkout } from '../entities/checkout.entity';

const Uuid = z.uuid();

export const Query = {
  /** Own, or any as admin; another customer's checkout reads exactly like one that does not exist. */
  async checkout(_: unknown, { id }: { id: string }, { em, identity }: SubgraphContext) {
    const checkout = Uuid.safeParse(id).success ? await em.findOne(Checkout, { id }) : null;
    if (!checkout || !canSee(identity, checkout.customerId)) throw notFound(`checkout ${id}`);
    return checkout;
  },

  /** Newest first; the cursor is the position (created at, id) of the last one seen. */
  async myCheckouts(_: unknown, args: { first?: number | null; after?: string | null }, { em, identity }: SubgraphContext) {
    const { sub } = requireIdentity(identity);
    const { first, after } = pageArgs(args.first, args.after);
    const [createdAt, id] = after ? after.split('|') : [];
    const before = after ? { $or: [{ createdAt: { $lt: new Date(createdAt) } }, { createdAt: new Date(createdAt), id: { $lt: id } }] } : {};
    const rows = await em.find(Checkout, { customerId: sub, ...before }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 });
    return pageOf(rows, first, (c) => `${c.createdAt.toISOString()}|${c.id}`);
  },
};
