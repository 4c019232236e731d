import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { type SubgraphContext, badUserInput, canSee, notFound, pageArgs, pageOf, requireAdmin, requireIdentity } from '@shop/platform';
import { Order, type OrderStatus } from '../entities/order.entity';
import { isOrderId } from '../orders';

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

// Pages run newest first; a cursor names the last order seen by its creation time and id (the
// id breaks ties between orders created in the same millisecond).
const positionOf = (order: Order) => `${order.createdAt.toISOString()}|${order.id}`;

function olderThan(position: string): FilterQuery<Order> {
  const [at, id = ''] = position.split('|');
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || !isOrderId(id)) throw badUserInput('after is not a cursor this API gave', 'after');
  return { $or: [{ createdAt: { $lt: createdAt } }, { createdAt, id: { $lt: id } }] };
}

async function pageOfOrders(em: EntityManager, where: FilterQuery<Order>[], args: PageArgs) {
  const { first, after } = pageArgs(args.first, args.after);
  if (after) where.push(olderThan(after));
  const rows = await em.find(Order, { $and: where }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 });
  return pageOf(rows, first, positionOf);
}

export const Query = {
  myOrders(_: unknown, args: PageArgs, { identity, em }: SubgraphContext) {
    const who = requireIdentity(identity);
    return pageOfOrders(em, [{ customerId: who.sub }], args);
  },

  /** Another customer's order gives exactly what an id that does not exist gives. */
  async order(_: unknown, { id }: { id: string }, { identity, em }: SubgraphContext) {
    const who = requireIdentity(identity);
    const order = isOrderId(id) ? await em.findOne(Order, { id }) : null;
    if (!order || !canSee(who, order.customerId)) throw notFound(`order ${id}`);
    return order;
  },

  orders(_: unknown, args: PageArgs & { status?: OrderStatus | null }, { identity, em }: SubgraphContext) {
    requireAdmin(identity);
    const where: FilterQuery<Order>[] = [];
    if (args.status) where.push({ status: args.status });
    return pageOfOrders(em, where, args);
  },
};
