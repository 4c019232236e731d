import { randomUUID } from 'node:crypto';
import { PaymentFailed, PaymentSucceeded, ProcessPayment, RefundPayment, RefundProcessed } from '@shop/events';
import { waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, startInMemorySubgraph } from '@shop/platform/src/testing';
import { startPaymentService } from './subgraph';

// Payment's handlers on the in-memory transport: the simulated provider's answers.

describe('payment on the in-memory transport', () => {
  let payment: TestSubgraph;

  beforeAll(async () => {
    payment = await startInMemorySubgraph('payment_mem', startPaymentService);
  });

  afterAll(async () => {
    await payment?.stop();
  });

  const charge = (paymentToken: string) => ({
    checkoutId: randomUUID(),
    orderId: randomUUID(),
    customerId: 'buyer-1',
    amount: '12.00',
    currency: 'GBP',
    paymentToken,
  });
  const deadline = () => ({ source: 'checkout-service', sequence: 1, notAfter: new Date(Date.now() + 60_000) });

  it('succeeds with tok_visa, fails with tok_declined, and refunds a success once', async () => {
    const events = await payment.watch(PaymentSucceeded, PaymentFailed, RefundProcessed);
    const visa = charge('tok_visa');
    await payment.send(ProcessPayment, visa, deadline());
    await payment.send(ProcessPayment, charge('tok_declined'), deadline());
    await waitFor(() => events.length === 2, { what: 'two answers' });
    expect(events.map((e) => e.eventType).sort()).toEqual(['PaymentFailed', 'PaymentSucceeded']);

    const refund = { checkoutId: visa.checkoutId, orderId: visa.orderId, requestedBy: 'saga' as const };
    await payment.send(RefundPayment, refund, { source: 'checkout-service', sequence: 2 });
    await payment.send(RefundPayment, refund, { source: 'checkout-service', sequence: 3 });
    await waitFor(() => events.some((e) => e.eventType === 'RefundProcessed'), { what: 'the refund' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.filter((e) => e.eventType === 'RefundProcessed')).toHaveLength(1);
  });
});
