import { randomUUID } from 'node:crypto';
import { type EntityManager, UniqueConstraintViolationException } from '@mikro-orm/core';
import { Email } from '@shop/events';
import { type SubgraphContext, badUserInput, formatMinor, requireIdentity, toMinor, validArg } from '@shop/platform';
import { z } from 'zod';
import { Checkout, type CheckoutLine } from './entities/checkout.entity';
import type { CheckoutSaga } from './saga/runner';

const PaymentToken = z.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'must be 1 to 100 letters, digits or underscores, such as "tok_visa"');
const IdempotencyKey = z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

interface CartSnapshot {
  myCart: { lines: { sku: string; quantity: number; unitPrice: { amount: string; currency: string }; productActive: boolean }[] };
}

const CART_QUERY = `query CheckoutCart { myCart { lines { sku quantity unitPrice { amount currency } productActive } } }`;

const IN_PROGRESS = { status: { $nin: ['COMPLETED', 'FAILED'] } } as const;

/**
 * startCheckout: the same key returns the same checkout; a checkout in progress is returned as it
 * is; otherwise the caller's cart (read from the cart subgraph, acting for the caller) becomes a
 * new saga, stored with its first messages in one transaction.
 */
export async function startCheckout(
  context: SubgraphContext,
  saga: CheckoutSaga,
  input: { paymentToken: string; idempotencyKey?: string | null },
): Promise<Checkout> {
  const identity = requireIdentity(context.identity);
  const paymentToken = validArg(PaymentToken, input.paymentToken, 'input.paymentToken');
  const idempotencyKey = input.idempotencyKey == null ? null : validArg(IdempotencyKey, input.idempotencyKey, 'input.idempotencyKey');
  const existing = await findExisting(context.em, identity.sub, idempotencyKey);
  if (existing) return existing;

  const cart = await context.services.query<CartSnapshot>(context.config.serviceUrls.cart, CART_QUERY, {}, identity);
  const { lines, total, currency } = snapshot(cart.myCart.lines);
  const checkout = context.em.create(
    Checkout,
    {
      id: randomUUID(),
      orderId: randomUUID(),
      customerId: identity.sub,
      email: Email.safeParse(identity.email).success ? identity.email : null,
      idempotencyKey,
      status: 'RESERVING_STOCK',
      failureReason: null,
      lines,
      total,
      currency,
      paymentToken,
      paymentRef: null,
      refundRequested: false,
      orderCancelled: false,
      sequence: 1,
      version: 1,
    },
    { persist: false },
  );
  try {
    await context.em.transactional(async (tx) => saga.begin(tx, checkout));
    return checkout;
  } catch (err) {
    // A concurrent start (a double click) won the race: return the checkout it created.
    if (!(err instanceof UniqueConstraintViolationException)) throw err;
    const winner = await findExisting(context.em.fork(), identity.sub, idempotencyKey);
    if (!winner) throw err;
    return winner;
  }
}

async function findExisting(em: EntityManager, customerId: string, idempotencyKey: string | null): Promise<Checkout | null> {
  if (idempotencyKey) {
    const byKey = await em.findOne(Checkout, { customerId, idempotencyKey });
    if (byKey) return byKey;
  }
  return em.findOne(Checkout, { customerId, ...IN_PROGRESS });
}

function snapshot(cartLines: CartSnapshot['myCart']['lines']): { lines: CheckoutLine[]; total: string; currency: string } {
  if (cartLines.length === 0) throw badUserInput('the cart is empty: add something before checking out');
  const inactive = cartLines.filter((line) => !line.productActive).map((line) => line.sku);
  if (inactive.length > 0) throw badUserInput(`these products are no longer sold: ${inactive.join(', ')}; remove them from the cart`);
  const currencies = new Set(cartLines.map((line) => line.unitPrice.currency));
  if (currencies.size > 1) throw badUserInput(`the cart mixes currencies (${[...currencies].join(', ')}): one checkout takes one currency`);
  const [currency] = currencies;
  let total = 0n;
  const lines = cartLines.map((line) => {
    total += toMinor(line.unitPrice.amount, currency) * BigInt(line.quantity);
    return { sku: line.sku, quantity: line.quantity, unitPrice: line.unitPrice.amount };
  });
  return { lines, total: formatMinor(total, currency), currency };
}
