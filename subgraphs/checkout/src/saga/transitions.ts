// The checkout saga as a transition table: (state, event) -> (new state, commands). Pure code: no
// I/O, no clock, so every pair is unit-tested. The runner loads the saga, applies the event,
// saves it and writes the commands to the outbox in one transaction.

export const CHECKOUT_STATUSES = ['RESERVING_STOCK', 'PROCESSING_PAYMENT', 'CREATING_ORDER', 'COMPLETED', 'FAILED'] as const;
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number];

export const isTerminal = (status: CheckoutStatus): boolean => status === 'COMPLETED' || status === 'FAILED';

/** What the saga knows about its checkout, beyond its status. */
export interface SagaFacts {
  status: CheckoutStatus;
  /** Set once a payment succeeded (even after the saga failed). */
  paymentRef: string | null;
  refundRequested: boolean;
  orderCancelled: boolean;
}

export type SagaEvent =
  | { type: 'StockReserved' }
  | { type: 'StockReservationFailed'; reason: string }
  | { type: 'PaymentSucceeded'; paymentRef: string }
  | { type: 'PaymentFailed'; reason: string }
  | { type: 'OrderCreated' }
  | { type: 'DeadlinePassed' };

/** Commands the saga sends; the runner fills in the data from the checkout. */
export type SagaCommand =
  'ReserveStock' | 'ReleaseStock' | 'ConfirmStock' | 'ProcessPayment' | 'RefundPayment' | 'CreateOrder' | 'CancelOrder';

export interface Transition {
  /** The new status, or none when the event changes no status. */
  status?: CheckoutStatus;
  failureReason?: string;
  paymentRef?: string;
  refundRequested?: boolean;
  orderCancelled?: boolean;
  commands: SagaCommand[];
  /** Why an event that changes nothing was ignored: recorded in the saga's log. */
  ignored?: string;
}

const ignore = (why: string): Transition => ({ commands: [], ignored: why });

const fail = (failureReason: string, commands: SagaCommand[], extra: Partial<Transition> = {}): Transition => ({
  status: 'FAILED',
  failureReason,
  commands,
  ...extra,
});

const timedOutWhile: Record<'RESERVING_STOCK' | 'PROCESSING_PAYMENT' | 'CREATING_ORDER', string> = {
  RESERVING_STOCK: 'timed out reserving stock',
  PROCESSING_PAYMENT: 'timed out waiting for the payment',
  CREATING_ORDER: 'timed out creating the order',
};

export function transition(saga: SagaFacts, event: SagaEvent): Transition {
  switch (saga.status) {
    case 'RESERVING_STOCK':
      switch (event.type) {
        case 'StockReserved':
          return { status: 'PROCESSING_PAYMENT', commands: ['ProcessPayment'] };
        case 'StockReservationFailed':
          return fail(event.reason, []);
        case 'DeadlinePassed':
          // The reservation may still land: the release leaves a mark that makes a late one reserve nothing.
          return fail(timedOutWhile.RESERVING_STOCK, ['ReleaseStock']);
        default:
          return ignore(`${event.type} does not belong to RESERVING_STOCK`);
      }
    case 'PROCESSING_PAYMENT':
      switch (event.type) {
        case 'PaymentSucceeded':
          return { status: 'CREATING_ORDER', paymentRef: event.paymentRef, commands: ['CreateOrder'] };
        case 'PaymentFailed':
          return fail(event.reason, ['ReleaseStock']);
        case 'DeadlinePassed':
          // A payment that succeeds after this is refunded when its PaymentSucceeded arrives.
          return fail(timedOutWhile.PROCESSING_PAYMENT, ['ReleaseStock']);
        case 'StockReserved':
          return ignore('duplicate: stock is already reserved');
        default:
          return ignore(`${event.type} does not belong to PROCESSING_PAYMENT`);
      }
    case 'CREATING_ORDER':
      switch (event.type) {
        case 'OrderCreated':
          return { status: 'COMPLETED', commands: ['ConfirmStock'] };
        case 'DeadlinePassed':
          // If the order is created after all, its OrderCreated cancels it.
          return fail(timedOutWhile.CREATING_ORDER, ['ReleaseStock', 'RefundPayment'], { refundRequested: true });
        case 'StockReserved':
        case 'PaymentSucceeded':
          return ignore(`duplicate: ${event.type} was already applied`);
        default:
          return ignore(`${event.type} does not belong to CREATING_ORDER`);
      }
    case 'FAILED':
      // Late events of a failed checkout undo what they did.
      switch (event.type) {
        case 'StockReserved':
          return { commands: ['ReleaseStock'] };
        case 'PaymentSucceeded':
          return saga.refundRequested
            ? ignore('refund already requested')
            : { paymentRef: event.paymentRef, refundRequested: true, commands: ['RefundPayment'] };
        case 'OrderCreated':
          if (saga.orderCancelled) return ignore('order already cancelled');
          return {
            orderCancelled: true,
            refundRequested: true,
            commands: saga.refundRequested ? ['CancelOrder'] : ['CancelOrder', 'RefundPayment'],
          };
        default:
          return ignore(`${event.type} after the checkout failed changes nothing`);
      }
    case 'COMPLETED':
      return ignore(`${event.type} after the checkout completed changes nothing`);
  }
}
