import { LockMode } from '@mikro-orm/core';
import { CartCleared, type DataOf, type HandlerContext, type OrderCreated, type OrderFailed } from '@shop/events';
import { CartLine } from './entities/cart-line.entity';
import { CheckedOutOrder, type TakenLine } from './entities/checked-out-order.entity';
import { MAX_LINE_QUANTITY, linesOf, lockCart, startingPrice, touchCart } from './cart';

// A created order takes its units out of the customer's cart (what was added since stays); an
// order the saga cancelled puts back what it took. Each happens once per order id.

/** OrderCreated: removes the ordered quantities; a cart left empty announces CartCleared. */
export async function removeCheckedOutLines({ em, publish, logger }: HandlerContext, data: DataOf<typeof OrderCreated>): Promise<void> {
  const { orderId, customerId } = data;
  const decided = await em.findOne(CheckedOutOrder, { orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (decided) {
    logger.info({ orderId, status: decided.status }, 'OrderCreated for an order already applied to the cart; nothing to do');
    return;
  }
  const cart = await lockCart(em, customerId);
  const lines = cart ? await linesOf(em, customerId) : [];
  const taken: TakenLine[] = [];
  for (const ordered of data.lines) {
    const line = lines.find((l) => l.sku === ordered.sku && l.quantity > 0);
    if (!line) continue;
    const quantity = Math.min(line.quantity, ordered.quantity);
    taken.push({ sku: line.sku, quantity, unitPrice: line.unitPrice, currency: line.currency, priceSequence: line.priceSequence });
    line.quantity -= quantity;
    if (line.quantity === 0) em.remove(line);
  }
  em.create(CheckedOutOrder, { orderId, customerId, status: 'REMOVED', taken });
  if (!cart || taken.length === 0) return;
  touchCart(cart, { byCustomer: false });
  if (lines.every((line) => line.quantity === 0)) publish(CartCleared, { customerId }, { sequence: cart.version });
}

/** OrderFailed: puts back what OrderCreated took; before any OrderCreated it leaves the RESTORED mark instead. */
export async function restoreFailedOrderLines({ em, logger }: HandlerContext, data: DataOf<typeof OrderFailed>): Promise<void> {
  const { orderId, customerId } = data;
  const order = await em.findOne(CheckedOutOrder, { orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!order) {
    em.create(CheckedOutOrder, { orderId, customerId, status: 'RESTORED', taken: [] });
    return;
  }
  if (order.status === 'RESTORED') return;
  order.status = 'RESTORED';
  const cart = await lockCart(em, customerId);
  if (!cart || order.taken.length === 0) return;
  const lines = await linesOf(em, customerId);
  for (const taken of order.taken) {
    const currency = lines[0]?.currency;
    if (currency && currency !== taken.currency) {
      logger.warn(
        { orderId, sku: taken.sku, currency },
        'a line of the failed order is in another currency than the cart now; not put back',
      );
      continue;
    }
    const line = lines.find((l) => l.sku === taken.sku);
    if (line) {
      line.quantity = Math.min(MAX_LINE_QUANTITY, line.quantity + taken.quantity);
    } else {
      const { unitPrice, currency: takenIn, priceSequence } = taken;
      const price = await startingPrice(em, taken.sku, { unitPrice, currency: takenIn, priceSequence });
      lines.push(em.create(CartLine, { customerId, sku: taken.sku, quantity: taken.quantity, ...price }));
    }
  }
  // Putting the lines back is the customer's checkout coming back to them: their idle time restarts.
  touchCart(cart, { byCustomer: true });
}
