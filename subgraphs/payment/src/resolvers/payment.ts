import { Id } from '@shop/events';
import { type SubgraphContext, canSee, formatAmount, loaderFor } from '@shop/platform';
import { Payment as PaymentEntity } from '../entities/payment.entity';

export const Payment = {
  amount(payment: PaymentEntity) {
    return { amount: formatAmount(payment.amount, payment.currency), currency: payment.currency };
  },
};

/**
 * The payment of an order or a checkout, for its customer or an admin (null for anyone else);
 * all the references of one request load in one query.
 */
export async function visiblePayment(context: SubgraphContext, by: 'orderId' | 'checkoutId', id: string) {
  if (!Id.safeParse(id).success) return null;
  const payment = await loaderFor(context, `paymentBy-${by}`, async (ids: readonly string[]) => {
    const rows = await context.em.find(
      PaymentEntity,
      by === 'orderId' ? { orderId: { $in: [...ids] } } : { checkoutId: { $in: [...ids] } },
    );
    const byId = new Map(rows.map((row) => [row[by], row]));
    return ids.map((i) => byId.get(i) ?? null);
  }).load(id);
  return payment && canSee(context.identity, payment.customerId) ? payment : null;
}
