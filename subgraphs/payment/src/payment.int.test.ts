import { randomUUID } from 'node:crypto';
import {
  type DataOf,
  type Envelope,
  type MessageContract,
  Outbox,
  PaymentFailed,
  PaymentSucceeded,
  ProcessPayment,
  RefundPayment,
  RefundProcessed,
} from '@shop/events';
import { createTestDatabase, deleteBrokerObjects, deliver, uniqueName, waitFor } from '@shop/events/src/testing';
import type { StartOptions, SubgraphHandles } from '@shop/platform';
import { type TestSubgraph, admin, customer, startTestSubgraph } from '@shop/platform/src/testing';
import { startPaymentService } from './subgraph';

// Commands are sent as the saga (checkout-service) and the order service send them, straight
// onto the broker; what the service announces is read from its outbox, which the relay publishes.

const SLOW_MS = 1_000;
const checkout = new Outbox('checkout-service');
const orderService = new Outbox('order-service');

/** The service with a short `tok_slow` delay, as the environment would set it. */
const startWithShortDelay = (options: StartOptions) =>
  startPaymentService({ ...options, env: { ...process.env, PAYMENT_SLOW_MS: String(SLOW_MS) } });

const send = (service: SubgraphHandles, contract: MessageContract, ...envelopes: Envelope[]) =>
  deliver(service.transport, contract, ...envelopes);

/** Waits until the service's inbox has recorded every one of these messages. */
async function processed(service: SubgraphHandles, ...envelopes: Envelope[]): Promise<void> {
  const ids = [...new Set(envelopes.map((e) => e.eventId))];
  await waitFor(
    async () => {
      const [{ n }] = await service.orm.em
        .fork()
        .getConnection()
        .execute('select count(*)::int as n from processed_events where event_id = any(?::uuid[])', [`{${ids.join(',')}}`]);
      return n === ids.length;
    },
    { what: `${ids.length} message(s) processed` },
  );
}

/** The messages of one type about one checkout the service has published or is about to (its outbox). */
async function announced(
  service: SubgraphHandles,
  contract: MessageContract,
  checkoutId: string,
): Promise<Envelope<Record<string, unknown>>[]> {
  const rows: { payload: Envelope<Record<string, unknown>> }[] = await service.orm.em
    .fork()
    .getConnection()
    .execute(`select payload from outbox where message_type = ? and payload->'data'->>'checkoutId' = ? order by id`, [
      contract.name,
      checkoutId,
    ]);
  return rows.map((r) => r.payload);
}

const paymentsOf = async (service: SubgraphHandles, checkoutId: string): Promise<{ status: string }[]> =>
  service.orm.em.fork().getConnection().execute('select status from payments where checkout_id = ?', [checkoutId]);

function newCharge(paymentToken: string, customerId = 'c-1'): DataOf<typeof ProcessPayment> {
  return { checkoutId: randomUUID(), orderId: randomUUID(), customerId, amount: '80', currency: 'GBP', paymentToken };
}

const processPayment = (data: DataOf<typeof ProcessPayment>, notAfter = new Date(Date.now() + 60_000)) =>
  checkout.envelope(ProcessPayment, data, { sequence: 2, correlationId: data.checkoutId, notAfter });

const refundPayment = (data: DataOf<typeof ProcessPayment>, from: 'saga' | 'admin') =>
  (from === 'saga' ? checkout : orderService).envelope(
    RefundPayment,
    { checkoutId: data.checkoutId, orderId: data.orderId, requestedBy: from },
    { sequence: 4, correlationId: data.checkoutId },
  );

const paymentFields = `payment { ref status amount { amount currency } failureReason }`;
const entitiesQuery = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id ${paymentFields} } ... on Checkout { id ${paymentFields} } } }`;

interface PaymentView {
  ref: string;
  status: string;
  amount: { amount: string; currency: string };
  failureReason: string | null;
}

describe('payment subgraph', () => {
  let payment: TestSubgraph;

  beforeAll(async () => {
    payment = await startTestSubgraph('payment', startWithShortDelay);
  });

  afterAll(async () => {
    await payment.stop();
  });

  /** The checkout's payment as its customer sees it through federation. */
  const paymentOf = async (data: DataOf<typeof ProcessPayment>): Promise<PaymentView | null> => {
    const result = await payment.query<{ _entities: { payment: PaymentView | null }[] }>(
      entitiesQuery,
      { r: [{ __typename: 'Checkout', id: data.checkoutId }] },
      customer(data.customerId),
    );
    return result.data?._entities[0].payment ?? null;
  };

  async function charged(data: DataOf<typeof ProcessPayment>): Promise<PaymentView | null> {
    const command = processPayment(data);
    await send(payment.service, ProcessPayment, command);
    await processed(payment.service, command);
    return paymentOf(data);
  }

  it('charges tok_visa once, however often ProcessPayment arrives, and announces PaymentSucceeded', async () => {
    const data = newCharge('tok_visa');
    const command = processPayment(data);
    const retried = processPayment(data);
    await send(payment.service, ProcessPayment, command, command, retried);
    await processed(payment.service, command, retried);

    const view = await paymentOf(data);
    expect(view).toEqual({
      ref: expect.stringMatching(/^pay_/),
      status: 'SUCCEEDED',
      amount: { amount: '80.00', currency: 'GBP' },
      failureReason: null,
    });
    expect(await paymentsOf(payment.service, data.checkoutId)).toHaveLength(1);
    expect(await announced(payment.service, PaymentSucceeded, data.checkoutId)).toEqual([
      expect.objectContaining({
        source: 'payment-service',
        sequence: 1,
        correlationId: data.checkoutId,
        data: { paymentRef: view?.ref, amount: '80.00', currency: 'GBP', orderId: data.orderId, checkoutId: data.checkoutId },
      }),
    ]);
  });

  it.each([
    ['tok_declined', 'card declined by the issuer'],
    [
      'tok_mastercard',
      'card declined: the payment token "tok_mastercard" is unknown (the simulated provider takes tok_visa, tok_declined, tok_slow, tok_timeout)',
    ],
  ])('fails %s with a reason and announces PaymentFailed', async (token, reason) => {
    const data = newCharge(token);
    const view = await charged(data);
    expect(view).toMatchObject({ status: 'FAILED', failureReason: reason });
    expect(await announced(payment.service, PaymentFailed, data.checkoutId)).toEqual([
      expect.objectContaining({ sequence: 1, data: expect.objectContaining({ paymentRef: view?.ref, reason, orderId: data.orderId }) }),
    ]);
    expect(await announced(payment.service, PaymentSucceeded, data.checkoutId)).toEqual([]);
  });

  it('refuses an expired ProcessPayment without charging', async () => {
    const late = newCharge('tok_visa');
    const inTime = processPayment(newCharge('tok_visa'));
    await send(payment.service, ProcessPayment, processPayment(late, new Date(Date.now() - 1_000)), inTime);
    // Both travel one queue in order: once the second is applied, the first was refused.
    await processed(payment.service, inTime);
    expect(await paymentsOf(payment.service, late.checkoutId)).toEqual([]);
    expect(await paymentOf(late)).toBeNull();
  });

  it('completes tok_slow after PAYMENT_SLOW_MS through the worker, while tok_timeout stays PENDING', async () => {
    const slow = newCharge('tok_slow');
    const timeout = newCharge('tok_timeout');
    const commands = [processPayment(slow), processPayment(timeout)];
    await send(payment.service, ProcessPayment, ...commands);
    await processed(payment.service, ...commands);
    expect(await paymentOf(slow)).toMatchObject({ status: 'PENDING' });

    await waitFor(async () => (await paymentOf(slow))?.status === 'SUCCEEDED', { what: 'the slow payment succeeded' });
    const [succeeded, ...more] = await announced(payment.service, PaymentSucceeded, slow.checkoutId);
    expect(more).toEqual([]);
    expect(succeeded).toMatchObject({ sequence: 2, correlationId: slow.checkoutId, data: { orderId: slow.orderId, amount: '80.00' } });
    expect(Date.parse(succeeded.timestamp) - Date.parse(commands[0].timestamp)).toBeGreaterThanOrEqual(SLOW_MS);

    expect(await paymentOf(timeout)).toMatchObject({ status: 'PENDING', failureReason: null });
    expect(await announced(payment.service, PaymentSucceeded, timeout.checkoutId)).toEqual([]);
    expect(await announced(payment.service, PaymentFailed, timeout.checkoutId)).toEqual([]);
  });

  it('refunds a SUCCEEDED payment once, whoever asks and however often, with RefundProcessed', async () => {
    const data = newCharge('tok_visa');
    const view = await charged(data);
    const bySaga = refundPayment(data, 'saga');
    const byAdmin = refundPayment(data, 'admin');
    await send(payment.service, RefundPayment, bySaga, bySaga, byAdmin);
    await processed(payment.service, bySaga, byAdmin);
    expect(await paymentOf(data)).toMatchObject({ ref: view?.ref, status: 'REFUNDED' });
    expect(await announced(payment.service, RefundProcessed, data.checkoutId)).toEqual([
      expect.objectContaining({
        sequence: 2,
        correlationId: data.checkoutId,
        data: {
          refundRef: expect.stringMatching(/^re_/),
          paymentRef: view?.ref,
          amount: '80.00',
          currency: 'GBP',
          orderId: data.orderId,
          checkoutId: data.checkoutId,
          requestedBy: 'saga',
        },
      }),
    ]);
  });

  it('refunds nothing of a FAILED payment', async () => {
    const data = newCharge('tok_declined');
    await charged(data);
    const refund = refundPayment(data, 'saga');
    await send(payment.service, RefundPayment, refund);
    await processed(payment.service, refund);
    expect(await paymentOf(data)).toMatchObject({ status: 'FAILED' });
    expect(await announced(payment.service, RefundProcessed, data.checkoutId)).toEqual([]);
  });

  it('remembers a RefundPayment that arrives while the payment is PENDING, and refunds it as soon as it succeeds', async () => {
    const data = newCharge('tok_slow');
    expect(await charged(data)).toMatchObject({ status: 'PENDING' });
    const refund = refundPayment(data, 'admin');
    await send(payment.service, RefundPayment, refund);
    await processed(payment.service, refund);
    expect(await paymentOf(data)).toMatchObject({ status: 'PENDING' });

    await waitFor(async () => (await paymentOf(data))?.status === 'REFUNDED', { what: 'the slow payment refunded' });
    const [succeeded] = await announced(payment.service, PaymentSucceeded, data.checkoutId);
    const [refunded, ...more] = await announced(payment.service, RefundProcessed, data.checkoutId);
    expect(more).toEqual([]);
    expect([succeeded.sequence, refunded.sequence]).toEqual([2, 3]);
    expect(refunded.data).toMatchObject({ paymentRef: succeeded.data.paymentRef, requestedBy: 'admin' });
  });

  it('remembers a RefundPayment for a payment never seen, so a late ProcessPayment charges nothing', async () => {
    const data = newCharge('tok_visa');
    const refund = refundPayment(data, 'saga');
    await send(payment.service, RefundPayment, refund);
    await processed(payment.service, refund);
    expect(await paymentOf(data)).toBeNull();

    expect(await charged(data)).toMatchObject({
      status: 'FAILED',
      failureReason: 'not charged: a refund of this checkout was requested before its payment',
    });
    expect(await announced(payment.service, PaymentSucceeded, data.checkoutId)).toEqual([]);
    expect(await announced(payment.service, RefundProcessed, data.checkoutId)).toEqual([]);
    expect(await announced(payment.service, PaymentFailed, data.checkoutId)).toHaveLength(1);
  });

  it('shows a payment through Order and Checkout only to its customer or an admin', async () => {
    const data = newCharge('tok_visa', 'c-owner');
    const view = await charged(data);
    const representations = [
      { __typename: 'Order', id: data.orderId },
      { __typename: 'Checkout', id: data.checkoutId },
      { __typename: 'Order', id: randomUUID() },
      { __typename: 'Checkout', id: 'not-an-id' },
    ];
    const as = async (identity: Parameters<typeof payment.query>[2]) =>
      (
        await payment.query<{ _entities: { payment: PaymentView | null }[] }>(entitiesQuery, { r: representations }, identity)
      ).data?._entities.map((e) => e.payment?.ref ?? null);
    expect(await as(customer('c-owner'))).toEqual([view?.ref, view?.ref, null, null]);
    expect(await as(admin)).toEqual([view?.ref, view?.ref, null, null]);
    expect(await as(customer('c-someone-else'))).toEqual([null, null, null, null]);
    expect(await as(null)).toEqual([null, null, null, null]);
  });
});

describe('slow payments across restarts and instances', () => {
  it('completes slow payments that fell due while no instance ran, each once, with two instances polling', async () => {
    const db = await createTestDatabase('payment');
    const prefix = `${uniqueName('payment')}.`;
    const running = new Set<SubgraphHandles>();
    const start = async (slowMs: number) => {
      const instance = await startPaymentService({
        env: { ...process.env, PAYMENT_SLOW_MS: String(slowMs) },
        config: { port: 0, databaseUrl: db.url, queuePrefix: prefix },
      });
      running.add(instance);
      return instance;
    };
    const stop = async (instance: SubgraphHandles) => {
      running.delete(instance);
      await instance.stop();
    };
    const countByStatus = async (instance: SubgraphHandles, status: string): Promise<number> =>
      (await instance.orm.em.fork().getConnection().execute('select count(*)::int as n from payments where status = ?', [status]))[0].n;
    const charges = Array.from({ length: 20 }, () => newCharge('tok_slow'));
    try {
      // Long enough that this instance stops before any of its payments is due.
      const first = await start(3 * SLOW_MS);
      const commands = charges.map((data) => processPayment(data));
      await send(first, ProcessPayment, ...commands);
      await processed(first, ...commands);
      expect(await countByStatus(first, 'PENDING')).toBe(charges.length);
      await stop(first);
      await new Promise((resolve) => setTimeout(resolve, 3 * SLOW_MS));

      const [one] = [await start(SLOW_MS), await start(SLOW_MS)];
      await waitFor(async () => (await countByStatus(one, 'SUCCEEDED')) === charges.length, { what: 'every slow payment succeeded' });
      for (const data of charges) expect(await announced(one, PaymentSucceeded, data.checkoutId)).toHaveLength(1);
    } finally {
      await Promise.all([...running].map((instance) => instance.stop()));
      await db.drop();
      await deleteBrokerObjects(prefix);
    }
  });
});
