import { type SubgraphContext, canSee, formatAmount, loaderFor, notFound } from '@shop/platform';
import { Order as OrderEntity } from '../entities/order.entity';
import { OrderTransition } from '../entities/order-transition.entity';
import { isOrderId } from '../orders';

const money = (amount: string, currency: string) => ({ amount: formatAmount(amount, currency), currency });

export const Order = {
  /**
   * Federation: other subgraphs refer to an order by id; all references of one request load
   * together. Another customer's order resolves to null with NOT_FOUND, like an id that does not exist.
   */
  async __resolveReference({ id }: { id: string }, context: SubgraphContext) {
    if (!isOrderId(id)) throw notFound(`order ${id}`);
    const order = await loaderFor(context, 'orderById', async (ids: readonly string[]) => {
      const rows = await context.em.find(OrderEntity, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((o) => [o.id, o]));
      return ids.map((i) => byId.get(i) ?? null);
    }).load(id);
    if (!order || !canSee(context.identity, order.customerId)) throw notFound(`order ${id}`);
    return order;
  },

  lines(order: OrderEntity) {
    return order.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: money(line.unitPrice, order.currency),
      product: { sku: line.sku },
    }));
  },

  total(order: OrderEntity) {
    return money(order.total, order.currency);
  },

  history(order: OrderEntity, _: unknown, context: SubgraphContext) {
    return loaderFor(context, 'historyByOrder', async (ids: readonly string[]) => {
      const rows = await context.em.find(OrderTransition, { orderId: { $in: [...ids] } }, { orderBy: { sequence: 'asc' } });
      return ids.map((id) => rows.filter((row) => row.orderId === id));
    }).load(order.id);
  },
};
