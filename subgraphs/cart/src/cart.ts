import { type EntityManager, LockMode } from '@mikro-orm/core';
import { Sku } from '@shop/events';
import { type SubgraphContext, badUserInput, formatMinor, notFound, requireIdentity, toMinor, validArg } from '@shop/platform';
import { z } from 'zod';
import { availableNow, productNow } from './availability';
import { Cart } from './entities/cart.entity';
import { CartLine } from './entities/cart-line.entity';
import { ProductPrice } from './entities/product-price.entity';

// The customer's operations on their own cart. Each locks the cart row, so two requests of one
// customer apply one after the other; the stock and product checks are asked before the lock.

export const MAX_LINE_QUANTITY = 999;
/** The currency of an empty cart's total. */
export const DEFAULT_CURRENCY = 'GBP';

const between = (min: number) => `must be between ${min} and ${MAX_LINE_QUANTITY}`;
const Quantity = z.number().int('must be a whole number').min(1, between(1)).max(MAX_LINE_QUANTITY, between(1));
const NewQuantity = z
  .number()
  .int('must be a whole number')
  .min(0, `${between(0)} (0 removes the line)`)
  .max(MAX_LINE_QUANTITY, `${between(0)} (0 removes the line)`);

/** What the Cart type resolves from. */
export interface CartView {
  customerId: string;
  lines: CartLine[];
  updatedAt: Date;
}

type LinePrice = Pick<CartLine, 'unitPrice' | 'currency' | 'priceSequence'>;

const viewOf = (cart: Cart, lines: CartLine[]): CartView => ({ customerId: cart.customerId, lines, updatedAt: cart.updatedAt });

export const linesOf = (em: EntityManager, customerId: string) =>
  em.find(CartLine, { customerId }, { orderBy: { addedAt: 'asc', sku: 'asc' } });

export const lockCart = (em: EntityManager, customerId: string) =>
  em.findOne(Cart, { customerId }, { lockMode: LockMode.PESSIMISTIC_WRITE });

/** Records a change of the cart; a change the customer made also restarts its idle time. */
export function touchCart(cart: Cart, { byCustomer }: { byCustomer: boolean }): void {
  const now = new Date();
  cart.version += 1;
  cart.updatedAt = now;
  if (byCustomer) cart.lastActiveAt = now;
}

/** The price a new line starts from: the newest price change heard for the SKU when newer than the offered price. */
export async function startingPrice(em: EntityManager, sku: string, offered: LinePrice): Promise<LinePrice> {
  const heard = await em.findOne(ProductPrice, { sku });
  if (!heard || heard.sequence <= offered.priceSequence) return offered;
  return { unitPrice: heard.price, currency: heard.currency, priceSequence: heard.sequence };
}

/** The exact sum of the lines, in the cart's currency. */
export function totalOf(lines: CartLine[]): { amount: string; currency: string } {
  const currency = lines[0]?.currency ?? DEFAULT_CURRENCY;
  const minor = lines.reduce((sum, line) => sum + toMinor(line.unitPrice, currency) * BigInt(line.quantity), 0n);
  return { amount: formatMinor(minor, currency), currency };
}

export async function myCart({ identity, em }: SubgraphContext): Promise<CartView> {
  const { sub: customerId } = requireIdentity(identity);
  const cart = await em.findOne(Cart, { customerId });
  if (!cart) return { customerId, lines: [], updatedAt: new Date() };
  return viewOf(cart, await linesOf(em, customerId));
}

export async function addToCart(context: SubgraphContext, sku: string, quantity: number): Promise<CartView> {
  const { sub: customerId } = requireIdentity(context.identity);
  validArg(Sku, sku, 'sku');
  validArg(Quantity, quantity, 'quantity');
  const [product, available] = await Promise.all([productNow(context, sku), availableNow(context, sku)]);
  if (!product.active) throw badUserInput(`product ${sku} is no longer sold`, 'sku');
  return context.em.transactional(async (tx) => {
    // The first line of a customer creates the cart; a concurrent first add waits for it here.
    const now = new Date();
    await tx
      .createQueryBuilder(Cart)
      .insert({ customerId, lastActiveAt: now, version: 0, createdAt: now, updatedAt: now })
      .onConflict('customerId')
      .ignore()
      .execute();
    const cart = (await lockCart(tx, customerId)) as Cart;
    const lines = await linesOf(tx, customerId);
    const other = lines.find((line) => line.currency !== product.currency);
    if (other) {
      throw badUserInput(`the cart is in ${other.currency} and ${sku} is priced in ${product.currency}: one currency per cart`, 'sku');
    }
    const line = lines.find((l) => l.sku === sku);
    const held = line?.quantity ?? 0;
    const wanted = held + quantity;
    const alreadyHeld = held > 0 ? `; the cart already holds ${held}` : '';
    if (wanted > MAX_LINE_QUANTITY) throw badUserInput(`a line holds at most ${MAX_LINE_QUANTITY} units${alreadyHeld}`, 'quantity');
    if (wanted > available) throw badUserInput(`only ${available} of ${sku} available${alreadyHeld}`, 'quantity');
    const price = await startingPrice(tx, sku, { unitPrice: product.price, currency: product.currency, priceSequence: 0 });
    if (line) Object.assign(line, { quantity: wanted, ...price });
    else lines.push(tx.create(CartLine, { customerId, sku, quantity, ...price }));
    touchCart(cart, { byCustomer: true });
    return viewOf(cart, lines);
  });
}

export async function updateCartLine(context: SubgraphContext, sku: string, quantity: number): Promise<CartView> {
  const { sub: customerId } = requireIdentity(context.identity);
  validArg(Sku, sku, 'sku');
  validArg(NewQuantity, quantity, 'quantity');
  if (quantity === 0) return removeFromCart(context, sku);
  const held = (await context.em.findOne(CartLine, { customerId, sku }))?.quantity;
  if (held === undefined) throw notFound(`cart line ${sku}`);
  // Only a larger quantity needs inventory's word; a smaller one is always allowed.
  const available = quantity > held ? await availableNow(context, sku) : held;
  return context.em.transactional(async (tx) => {
    const cart = await lockCart(tx, customerId);
    const lines = cart ? await linesOf(tx, customerId) : [];
    const line = lines.find((l) => l.sku === sku);
    if (!cart || !line) throw notFound(`cart line ${sku}`);
    if (quantity > line.quantity && quantity > available) throw badUserInput(`only ${available} of ${sku} available`, 'quantity');
    line.quantity = quantity;
    touchCart(cart, { byCustomer: true });
    return viewOf(cart, lines);
  });
}

export async function removeFromCart(context: SubgraphContext, sku: string): Promise<CartView> {
  const { sub: customerId } = requireIdentity(context.identity);
  validArg(Sku, sku, 'sku');
  return context.em.transactional(async (tx) => {
    const cart = await lockCart(tx, customerId);
    const lines = cart ? await linesOf(tx, customerId) : [];
    const line = lines.find((l) => l.sku === sku);
    if (!cart || !line) throw notFound(`cart line ${sku}`);
    tx.remove(line);
    touchCart(cart, { byCustomer: true });
    const remaining = lines.filter((l) => l !== line);
    return viewOf(cart, remaining);
  });
}
