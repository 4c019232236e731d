import { EntityId, type SubgraphContext, canSee, formatAmount, loaderFor, notFound } from '@shop/platform';
import { Checkout as CheckoutEntity } from '../entities/checkout.entity';
import { CheckoutTransition } from '../entities/checkout-transition.entity';

export const Checkout = {
  /** Federation: a reference to another customer's checkout resolves to null with NOT_FOUND, like an id that does not exist. */
  async __resolveReference({ id }: { id: string }, context: SubgraphContext) {
    if (!EntityId.safeParse(id).success) throw notFound(`checkout ${id}`);
    const checkout = await loaderFor(context, 'checkoutById', async (ids: readonly string[]) => {
      const rows = await context.em.find(CheckoutEntity, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((c) => [c.id, c]));
      return ids.map((key) => byId.get(key) ?? null);
    }).load(id);
    if (!checkout || !canSee(context.identity, checkout.customerId)) throw notFound(`checkout ${id}`);
    return checkout;
  },

  lines(checkout: CheckoutEntity) {
    return checkout.lines.map((line) => ({
      sku: line.sku,
      product: { __typename: 'Product', sku: line.sku },
      quantity: line.quantity,
      unitPrice: { amount: formatAmount(line.unitPrice, checkout.currency), currency: checkout.currency },
    }));
  },

  total(checkout: CheckoutEntity) {
    return { amount: formatAmount(checkout.total, checkout.currency), currency: checkout.currency };
  },

  order(checkout: CheckoutEntity) {
    return checkout.status === 'COMPLETED' ? { __typename: 'Order', id: checkout.orderId } : null;
  },

  history(checkout: CheckoutEntity, _: unknown, context: SubgraphContext) {
    return loaderFor(context, 'historyByCheckout', async (ids: readonly string[]) => {
      const rows = await context.em.find(CheckoutTransition, { checkoutId: { $in: [...ids] } }, { orderBy: { sequence: 'asc' } });
      return ids.map((id) => rows.filter((row) => row.checkoutId === id));
    }).load(checkout.id);
  },
};
