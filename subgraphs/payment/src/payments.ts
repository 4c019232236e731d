import { randomUUID } from 'node:crypto';
import { type EntityManager, LockMode } from '@mikro-orm/core';
import {
  type DataOf,
  type HandlerContext,
  type Logger,
  type Outbox,
  PaymentFailed,
  PaymentSucceeded,
  type ProcessPayment,
  type RefundPayment,
  RefundProcessed,
} from '@shop/events';
import { formatAmount, isCurrencyCode } from '@shop/platform';
import { Payment } from './entities/payment.entity';
import { RefundRequest } from './entities/refund-request.entity';
import { type ChargeOutcome, simulateCharge } from './provider';
import type { PaymentSettings } from './settings';

// The payment operations. Each runs in one transaction with the messages it announces, as a
// consumer's handler or as the slow-payment worker's pass (which gets the same kind of context).
// A payment's events carry its version as sequence and its checkout's id as correlation id.

/**
 * Serialises the commands of one checkout across consumers and instances, so a ProcessPayment
 * and a RefundPayment of the same checkout never both see the other missing.
 */
async function lockCheckoutCommands(em: EntityManager, checkoutId: string): Promise<void> {
  await em
    .getConnection()
    .execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`payment:${checkoutId}`], 'get', em.getTransactionContext());
}

/** The amount in the currency's minor units; a malformed one fails the message with the reason, charging nothing. */
function exactAmount(amount: string, currency: string): string {
  if (!isCurrencyCode(currency)) throw new Error(`currency ${currency} is not a known ISO 4217 code`);
  try {
    return formatAmount(amount, currency);
  } catch (err) {
    throw new Error(`amount: ${(err as Error).message}`);
  }
}

const amountOf = (payment: Payment) => formatAmount(payment.amount, payment.currency);

function announceSuccess({ publish }: HandlerContext, payment: Payment): void {
  publish(
    PaymentSucceeded,
    {
      paymentRef: payment.ref,
      amount: amountOf(payment),
      currency: payment.currency,
      orderId: payment.orderId,
      checkoutId: payment.checkoutId,
    },
    { sequence: payment.version, correlationId: payment.checkoutId },
  );
}

function refund({ publish }: HandlerContext, payment: Payment, request: RefundRequest): void {
  payment.status = 'REFUNDED';
  payment.refundRef = `re_${randomUUID()}`;
  payment.refundedAt = new Date();
  payment.version += 1;
  publish(
    RefundProcessed,
    {
      refundRef: payment.refundRef,
      paymentRef: payment.ref,
      amount: amountOf(payment),
      currency: payment.currency,
      orderId: payment.orderId,
      checkoutId: payment.checkoutId,
      requestedBy: request.requestedBy,
    },
    { sequence: payment.version, correlationId: payment.checkoutId },
  );
}

/** ProcessPayment: charges the checkout once, whatever is redelivered. */
export async function processPayment(
  context: HandlerContext,
  command: DataOf<typeof ProcessPayment>,
  settings: PaymentSettings,
): Promise<void> {
  const { em, publish, logger } = context;
  await lockCheckoutCommands(em, command.checkoutId);
  const existing = await em.findOne(Payment, { checkoutId: command.checkoutId });
  if (existing) {
    logger.info({ checkoutId: command.checkoutId, status: existing.status }, 'ProcessPayment for a checkout charged before: nothing done');
    return;
  }
  const amount = exactAmount(command.amount, command.currency);
  const outcome: ChargeOutcome = (await em.findOne(RefundRequest, { checkoutId: command.checkoutId }))
    ? { status: 'FAILED', reason: 'not charged: a refund of this checkout was requested before its payment' }
    : simulateCharge(command.paymentToken, settings, new Date());
  const payment = em.create(Payment, {
    ref: `pay_${randomUUID()}`,
    checkoutId: command.checkoutId,
    orderId: command.orderId,
    customerId: command.customerId,
    amount,
    currency: command.currency,
    status: outcome.status,
    failureReason: outcome.status === 'FAILED' ? outcome.reason : null,
    dueAt: outcome.status === 'PENDING' ? outcome.dueAt : null,
    version: 1,
  });
  if (outcome.status === 'SUCCEEDED') announceSuccess(context, payment);
  if (outcome.status === 'FAILED') {
    publish(
      PaymentFailed,
      {
        paymentRef: payment.ref,
        amount,
        currency: payment.currency,
        reason: outcome.reason,
        orderId: payment.orderId,
        checkoutId: payment.checkoutId,
      },
      { sequence: payment.version, correlationId: payment.checkoutId },
    );
  }
  // A PENDING payment announces nothing yet: the worker completes it when due, or nothing ever does.
}

/** RefundPayment: refunds a SUCCEEDED payment once; remembered for one not succeeded (or not seen) yet. */
export async function refundPayment(context: HandlerContext, command: DataOf<typeof RefundPayment>): Promise<void> {
  const { em, logger } = context;
  await lockCheckoutCommands(em, command.checkoutId);
  const request =
    (await em.findOne(RefundRequest, { checkoutId: command.checkoutId })) ??
    em.create(RefundRequest, { checkoutId: command.checkoutId, orderId: command.orderId, requestedBy: command.requestedBy });
  const payment = await em.findOne(Payment, { checkoutId: command.checkoutId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  const about = { checkoutId: command.checkoutId, requestedBy: command.requestedBy };
  if (!payment) {
    logger.info(about, 'RefundPayment before its payment: remembered, so a late ProcessPayment charges nothing');
  } else if (payment.status === 'SUCCEEDED') {
    refund(context, payment, request);
  } else if (payment.status === 'PENDING') {
    logger.info(about, 'RefundPayment for a pending payment: remembered, refunded as soon as it succeeds');
  } else {
    logger.info({ ...about, status: payment.status }, 'RefundPayment for a payment FAILED or REFUNDED already: nothing to refund');
  }
}

/**
 * Completes the slow payments that are due (at most `limit`), and refunds at once those whose
 * refund was asked for meanwhile. Rows another instance is completing are skipped, never waited
 * for, so no payment completes twice. Returns how many it completed.
 */
export async function completeDuePayments(em: EntityManager, outbox: Outbox, logger: Logger, limit: number): Promise<number> {
  return em.transactional(async (tx) => {
    const due = await tx.find(
      Payment,
      { status: 'PENDING', dueAt: { $lte: new Date() } },
      { orderBy: { dueAt: 'asc' }, limit, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
    );
    if (due.length === 0) return 0;
    const requests = await tx.find(RefundRequest, { checkoutId: { $in: due.map((payment) => payment.checkoutId) } });
    const requestOf = new Map(requests.map((request) => [request.checkoutId, request]));
    const context: HandlerContext = {
      em: tx,
      logger,
      publish: (contract, data, options) => {
        outbox.publish(tx, contract, data, options);
      },
    };
    for (const payment of due) {
      payment.status = 'SUCCEEDED';
      payment.version += 1;
      announceSuccess(context, payment);
      const request = requestOf.get(payment.checkoutId);
      if (request) refund(context, payment, request);
    }
    return due.length;
  });
}
