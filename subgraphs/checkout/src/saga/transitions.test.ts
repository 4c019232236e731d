import { CHECKOUT_STATUSES, type CheckoutStatus, type SagaEvent, type SagaFacts, type Transition, transition } from './transitions';

const events: Record<SagaEvent['type'], SagaEvent> = {
  StockReserved: { type: 'StockReserved' },
  StockReservationFailed: { type: 'StockReservationFailed', reason: 'out of stock: SKU-1 (asked 3, 1 left)' },
  PaymentSucceeded: { type: 'PaymentSucceeded', paymentRef: 'pay_1' },
  PaymentFailed: { type: 'PaymentFailed', reason: 'card declined' },
  OrderCreated: { type: 'OrderCreated' },
  DeadlinePassed: { type: 'DeadlinePassed' },
};

const saga = (status: CheckoutStatus, facts: Partial<SagaFacts> = {}): SagaFacts => ({
  status,
  paymentRef: null,
  refundRequested: false,
  orderCancelled: false,
  ...facts,
});

const ignored = (t: Transition) => t.commands.length === 0 && t.status === undefined && typeof t.ignored === 'string';

// Every (state, event) pair, each with what it must do. `ignored` pairs change nothing.
const table: [CheckoutStatus, SagaEvent['type'], Partial<Transition> | 'ignored'][] = [
  ['RESERVING_STOCK', 'StockReserved', { status: 'PROCESSING_PAYMENT', commands: ['ProcessPayment'] }],
  ['RESERVING_STOCK', 'StockReservationFailed', { status: 'FAILED', failureReason: 'out of stock: SKU-1 (asked 3, 1 left)', commands: [] }],
  ['RESERVING_STOCK', 'PaymentSucceeded', 'ignored'],
  ['RESERVING_STOCK', 'PaymentFailed', 'ignored'],
  ['RESERVING_STOCK', 'OrderCreated', 'ignored'],
  ['RESERVING_STOCK', 'DeadlinePassed', { status: 'FAILED', failureReason: 'timed out reserving stock', commands: ['ReleaseStock'] }],

  ['PROCESSING_PAYMENT', 'StockReserved', 'ignored'],
  ['PROCESSING_PAYMENT', 'StockReservationFailed', 'ignored'],
  ['PROCESSING_PAYMENT', 'PaymentSucceeded', { status: 'CREATING_ORDER', paymentRef: 'pay_1', commands: ['CreateOrder'] }],
  ['PROCESSING_PAYMENT', 'PaymentFailed', { status: 'FAILED', failureReason: 'card declined', commands: ['ReleaseStock'] }],
  ['PROCESSING_PAYMENT', 'OrderCreated', 'ignored'],
  [
    'PROCESSING_PAYMENT',
    'DeadlinePassed',
    { status: 'FAILED', failureReason: 'timed out waiting for the payment', commands: ['ReleaseStock'] },
  ],

  ['CREATING_ORDER', 'StockReserved', 'ignored'],
  ['CREATING_ORDER', 'StockReservationFailed', 'ignored'],
  ['CREATING_ORDER', 'PaymentSucceeded', 'ignored'],
  ['CREATING_ORDER', 'PaymentFailed', 'ignored'],
  ['CREATING_ORDER', 'OrderCreated', { status: 'COMPLETED', commands: ['ConfirmStock'] }],
  [
    'CREATING_ORDER',
    'DeadlinePassed',
    { status: 'FAILED', failureReason: 'timed out creating the order', commands: ['ReleaseStock', 'RefundPayment'], refundRequested: true },
  ],

  ['FAILED', 'StockReserved', { commands: ['ReleaseStock'] }],
  ['FAILED', 'StockReservationFailed', 'ignored'],
  ['FAILED', 'PaymentSucceeded', { paymentRef: 'pay_1', refundRequested: true, commands: ['RefundPayment'] }],
  ['FAILED', 'PaymentFailed', 'ignored'],
  ['FAILED', 'OrderCreated', { orderCancelled: true, refundRequested: true, commands: ['CancelOrder', 'RefundPayment'] }],
  ['FAILED', 'DeadlinePassed', 'ignored'],

  ...(Object.keys(events) as SagaEvent['type'][]).map((type): [CheckoutStatus, SagaEvent['type'], 'ignored'] => [
    'COMPLETED',
    type,
    'ignored',
  ]),
];

describe('checkout saga transition table', () => {
  it('covers every (state, event) pair', () => {
    const covered = new Set(table.map(([status, type]) => `${status}/${type}`));
    expect(covered.size).toBe(CHECKOUT_STATUSES.length * Object.keys(events).length);
  });

  it.each(table)('%s + %s', (status, type, expected) => {
    const result = transition(saga(status), events[type]);
    if (expected === 'ignored') expect(ignored(result)).toBe(true);
    else expect(result).toEqual(expected);
  });

  describe('late events after a failure, once their compensation was sent', () => {
    it('does not refund twice', () => {
      expect(ignored(transition(saga('FAILED', { refundRequested: true }), events.PaymentSucceeded))).toBe(true);
    });

    it('cancels a late order without a second refund', () => {
      expect(transition(saga('FAILED', { refundRequested: true }), events.OrderCreated)).toEqual({
        orderCancelled: true,
        refundRequested: true,
        commands: ['CancelOrder'],
      });
    });

    it('does not cancel an order twice', () => {
      expect(ignored(transition(saga('FAILED', { refundRequested: true, orderCancelled: true }), events.OrderCreated))).toBe(true);
    });
  });

  it('never leaves a terminal state', () => {
    for (const status of ['COMPLETED', 'FAILED'] as const) {
      for (const event of Object.values(events)) {
        const result = transition(saga(status), event);
        expect(result.status).toBeUndefined();
      }
    }
  });
});
