import { type EntityManager, OptimisticLockError } from '@mikro-orm/core';
import {
  CancelOrder,
  CheckoutInitiated,
  CheckoutStatusChanged,
  ConfirmStock,
  CreateOrder,
  type Logger,
  type Outbox,
  ProcessPayment,
  RefundPayment,
  ReleaseStock,
  ReserveStock,
} from '@shop/events';
import { formatAmount } from '@shop/platform';
import { Checkout } from '../entities/checkout.entity';
import { CheckoutTransition } from '../entities/checkout-transition.entity';
import { SagaEvent as SagaEventRecord } from '../entities/saga-event.entity';
import { type CheckoutStatus, type SagaCommand, type SagaEvent, isTerminal, transition } from './transitions';

export interface SagaSettings {
  /** Each state's deadline (CHECKOUT_STEP_TIMEOUT_MS). */
  stepTimeoutMs: number;
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * Runs the transition table against the stored saga: loads the checkout, applies the event, saves
 * it and writes the resulting messages to the outbox, all in the caller's transaction. A
 * concurrent change (another instance, the timeout worker) is a version conflict: the attempt is
 * rolled back to its savepoint and run again on the fresh row.
 */
export class CheckoutSaga {
  constructor(
    private readonly outbox: Outbox,
    private readonly settings: SagaSettings,
    private readonly logger: Logger,
  ) {}

  /** Starts a new checkout: its first status, CheckoutInitiated, and ReserveStock. */
  begin(em: EntityManager, checkout: Checkout, now = new Date()): void {
    checkout.deadlineAt = this.deadlineFrom(now);
    em.persist(checkout);
    em.persist(em.create(CheckoutTransition, { checkoutId: checkout.id, sequence: checkout.sequence, status: checkout.status, at: now }));
    this.outbox.publish(
      em,
      CheckoutInitiated,
      {
        checkoutId: checkout.id,
        orderId: checkout.orderId,
        customerId: checkout.customerId,
        email: checkout.email ?? null,
        lines: checkout.lines,
        total: formatAmount(checkout.total, checkout.currency),
        currency: checkout.currency,
      },
      { sequence: checkout.version, correlationId: checkout.id },
    );
    this.publishStatus(em, checkout, null, now);
    this.send(em, checkout, 'ReserveStock');
  }

  async apply(em: EntityManager, checkoutId: string, event: SagaEvent, eventId: string | null = null): Promise<void> {
    await this.run(em, checkoutId, event, eventId);
  }

  /** Fails an overdue checkout; resolves with whether it did (false when the saga moved on meanwhile). */
  timeOut(em: EntityManager, checkoutId: string): Promise<boolean> {
    return this.run(em, checkoutId, { type: 'DeadlinePassed' }, null);
  }

  private async run(em: EntityManager, checkoutId: string, event: SagaEvent, eventId: string | null): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const fork = em.fork({ clear: true });
      const trx = em.getTransactionContext();
      if (trx) fork.setTransactionContext(trx);
      try {
        return await fork.transactional((tx) => this.applyOnce(tx, checkoutId, event, eventId));
      } catch (err) {
        if (!(err instanceof OptimisticLockError) || attempt >= MAX_CONFLICT_RETRIES) throw err;
        this.logger.debug({ checkoutId, event: event.type, attempt }, 'checkout changed concurrently; applying the event again');
      }
    }
  }

  private async applyOnce(em: EntityManager, checkoutId: string, event: SagaEvent, eventId: string | null): Promise<boolean> {
    const checkout = await em.findOne(Checkout, { id: checkoutId });
    const log = (outcome: string) => em.persist(em.create(SagaEventRecord, { checkoutId, eventType: event.type, eventId, outcome }));
    if (!checkout) {
      log('ignored: no such checkout');
      return false;
    }
    const now = new Date();
    // The worker saw the deadline pass, but the saga may have moved on since: only a live deadline counts.
    if (event.type === 'DeadlinePassed' && (!checkout.deadlineAt || checkout.deadlineAt > now)) return false;

    const result = transition(
      {
        status: checkout.status,
        paymentRef: checkout.paymentRef ?? null,
        refundRequested: checkout.refundRequested,
        orderCancelled: checkout.orderCancelled,
      },
      event,
    );
    if (result.ignored) {
      log(`ignored: ${result.ignored}`);
      return false;
    }
    if (result.paymentRef) checkout.paymentRef = result.paymentRef;
    if (result.refundRequested) checkout.refundRequested = true;
    if (result.orderCancelled) checkout.orderCancelled = true;
    checkout.version += 1;
    const previous = checkout.status;
    if (result.status) {
      checkout.status = result.status;
      checkout.failureReason = result.failureReason ?? null;
      checkout.sequence += 1;
      checkout.deadlineAt = isTerminal(result.status) ? null : this.deadlineFrom(now);
      em.persist(em.create(CheckoutTransition, { checkoutId, sequence: checkout.sequence, status: checkout.status, at: now }));
      this.publishStatus(em, checkout, previous, now);
    }
    for (const command of result.commands) this.send(em, checkout, command);
    log(result.status ? `applied: ${previous} -> ${result.status}` : `applied: sent ${result.commands.join(', ')}`);
    return true;
  }

  private deadlineFrom(now: Date): Date {
    return new Date(now.getTime() + this.settings.stepTimeoutMs);
  }

  private publishStatus(em: EntityManager, checkout: Checkout, previous: CheckoutStatus | null, at: Date): void {
    this.outbox.publish(
      em,
      CheckoutStatusChanged,
      {
        checkoutId: checkout.id,
        orderId: checkout.orderId,
        customerId: checkout.customerId,
        status: checkout.status,
        previousStatus: previous,
        failureReason: checkout.failureReason ?? null,
        at: at.toISOString(),
      },
      { sequence: checkout.sequence, correlationId: checkout.id },
    );
  }

  /** Writes one of the saga's commands to the outbox; forward commands carry the state's deadline. */
  private send(em: EntityManager, checkout: Checkout, command: SagaCommand): void {
    const options = { sequence: checkout.version, correlationId: checkout.id };
    const deadline = { ...options, notAfter: checkout.deadlineAt ?? new Date() };
    const ids = { reservationId: checkout.id, orderId: checkout.orderId };
    switch (command) {
      case 'ReserveStock':
        return void this.outbox.publish(
          em,
          ReserveStock,
          { ...ids, customerId: checkout.customerId, lines: checkout.lines.map(({ sku, quantity }) => ({ sku, quantity })) },
          deadline,
        );
      case 'ReleaseStock':
        return void this.outbox.publish(em, ReleaseStock, ids, options);
      case 'ConfirmStock':
        return void this.outbox.publish(em, ConfirmStock, ids, options);
      case 'ProcessPayment':
        return void this.outbox.publish(
          em,
          ProcessPayment,
          {
            checkoutId: checkout.id,
            orderId: checkout.orderId,
            customerId: checkout.customerId,
            amount: formatAmount(checkout.total, checkout.currency),
            currency: checkout.currency,
            paymentToken: checkout.paymentToken,
          },
          deadline,
        );
      case 'RefundPayment':
        return void this.outbox.publish(
          em,
          RefundPayment,
          { checkoutId: checkout.id, orderId: checkout.orderId, requestedBy: 'saga' },
          options,
        );
      case 'CreateOrder':
        return void this.outbox.publish(
          em,
          CreateOrder,
          {
            orderId: checkout.orderId,
            checkoutId: checkout.id,
            customerId: checkout.customerId,
            email: checkout.email ?? null,
            lines: checkout.lines,
            total: formatAmount(checkout.total, checkout.currency),
            currency: checkout.currency,
            paymentRef: checkout.paymentRef ?? '',
          },
          deadline,
        );
      case 'CancelOrder':
        return void this.outbox.publish(
          em,
          CancelOrder,
          { orderId: checkout.orderId, checkoutId: checkout.id, reason: checkout.failureReason ?? 'the checkout failed' },
          options,
        );
    }
  }
}
