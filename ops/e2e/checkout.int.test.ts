import { randomUUID } from 'node:crypto';
import { waitFor } from '@shop/events/src/testing';
import type { Identity } from '@shop/platform';
import { ok as answerOf } from '../world/requests';
import { type Shop, startShop } from '../world/shop';

// The checkout saga with every service running, through the gateway, on the real PostgreSQL and
// RabbitMQ. Deadlines are short here so the timeout paths take seconds, not minutes.

const STEP_TIMEOUT_MS = 4_000;
const PAYMENT_SLOW_MS = 6_000;
const admin: Identity = { sub: 'e2e-admin', role: 'admin' };

interface CheckoutView {
  id: string;
  status: string;
  failureReason: string | null;
  history: { status: string; sequence: number }[];
  payment: { status: string } | null;
  order: { id: string; status: string; payment: { status: string } | null } | null;
}

const VIEW = `id status failureReason history { status sequence } payment { status } order { id status payment { status } }`;

describe('checkout through the gateway', () => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await startShop({
      label: 'e2e_checkout',
      env: { CHECKOUT_STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS), PAYMENT_SLOW_MS: String(PAYMENT_SLOW_MS) },
    });
  });

  afterAll(async () => {
    await shop?.close();
  });

  const customer = (): Identity => ({ sub: `c-${randomUUID().slice(0, 8)}`, role: 'customer', email: 'buyer@example.com' });

  const ok = <T>(query: string, variables: Record<string, unknown> = {}, identity: Identity | null = null) =>
    answerOf<T>(shop, query, variables, identity);

  async function product(stock: number, price = '20.00'): Promise<string> {
    const sku = `E2E-${randomUUID().slice(0, 8)}`;
    await ok(
      `mutation ($i: CreateProductInput!) { createProduct(input: $i) { sku } }`,
      { i: { sku, name: `Item ${sku}`, price, currency: 'GBP' } },
      admin,
    );
    await waitFor(
      async () => !(await shop.query(`mutation { setStock(sku: "${sku}", available: ${stock}) { available } }`, {}, admin)).errors,
      {
        what: 'the stock row',
      },
    );
    return sku;
  }

  const stockOf = async (sku: string) =>
    (
      await ok<{ product: { stock: { available: number; reserved: number; sold: number } } }>(
        `{ product(sku: "${sku}") { stock { available reserved sold } } }`,
        {},
        null,
      )
    ).product.stock;

  const add = (who: Identity, sku: string, quantity: number) =>
    ok(`mutation { addToCart(sku: "${sku}", quantity: ${quantity}) { total { amount } } }`, {}, who);

  const start = (who: Identity, paymentToken: string, idempotencyKey?: string) =>
    ok<{ startCheckout: { id: string; status: string; total: { amount: string } } }>(
      `mutation ($input: CheckoutInput!) { startCheckout(input: $input) { id status total { amount } } }`,
      { input: { paymentToken, idempotencyKey } },
      who,
    ).then((d) => d.startCheckout);

  const view = async (who: Identity, id: string) =>
    (await ok<{ checkout: CheckoutView }>(`query ($id: ID!) { checkout(id: $id) { ${VIEW} } }`, { id }, who)).checkout;

  const settle = (who: Identity, id: string, timeoutMs = 20_000): Promise<CheckoutView> =>
    waitFor<CheckoutView | null>(
      async () => {
        const checkout = await view(who, id);
        return checkout.status === 'COMPLETED' || checkout.status === 'FAILED' ? checkout : null;
      },
      { timeoutMs, intervalMs: 50, what: `checkout ${id} to finish` },
    ) as Promise<CheckoutView>;

  it('completes a checkout: order PAID, payment SUCCEEDED, stock sold, the cart without the checked-out lines', async () => {
    const [shoe, sock] = [await product(10, '80.00'), await product(10, '4.50')];
    const who = customer();
    await add(who, shoe, 1);
    await add(who, sock, 2);
    const started = await start(who, 'tok_visa');
    expect(started).toMatchObject({ status: 'RESERVING_STOCK', total: { amount: '89.00' } });
    const done = await settle(who, started.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.history).toEqual([
      { status: 'RESERVING_STOCK', sequence: 1 },
      { status: 'PROCESSING_PAYMENT', sequence: 2 },
      { status: 'CREATING_ORDER', sequence: 3 },
      { status: 'COMPLETED', sequence: 4 },
    ]);
    expect(done.order).toMatchObject({ status: 'PAID', payment: { status: 'SUCCEEDED' } });
    expect(done.payment).toEqual({ status: 'SUCCEEDED' });
    await waitFor(async () => (await stockOf(shoe)).sold === 1, { what: 'the stock confirmed' });
    expect(await stockOf(shoe)).toEqual({ available: 9, reserved: 0, sold: 1 });
    expect(await stockOf(sock)).toEqual({ available: 8, reserved: 0, sold: 2 });
    await waitFor(
      async () => (await ok<{ myCart: { lines: unknown[] } }>('{ myCart { lines { sku } } }', {}, who)).myCart.lines.length === 0,
      {
        what: 'the cart emptied',
      },
    );
  });

  it('fails when stock ran out before the reservation, naming the SKU, and leaves the stock as it was', async () => {
    const sku = await product(2);
    const who = customer();
    await add(who, sku, 2);
    await ok(`mutation { setStock(sku: "${sku}", available: 1) { available } }`, {}, admin);
    const done = await settle(who, (await start(who, 'tok_visa')).id);
    expect(done).toMatchObject({ status: 'FAILED', failureReason: `out of stock: ${sku} (asked 2, 1 left)`, order: null });
    expect(done.payment).toBeNull();
    expect(await stockOf(sku)).toEqual({ available: 1, reserved: 0, sold: 0 });
  });

  it('fails on a declined card and releases the stock', async () => {
    const sku = await product(5);
    const who = customer();
    await add(who, sku, 3);
    const done = await settle(who, (await start(who, 'tok_declined')).id);
    expect(done.status).toBe('FAILED');
    expect(done.failureReason).toMatch(/^payment failed: /);
    expect(done.payment).toEqual({ status: 'FAILED' });
    await waitFor(async () => (await stockOf(sku)).reserved === 0, { what: 'the stock released' });
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });

  it('fails a payment that never answers at the deadline, releases the stock, and never takes the money', async () => {
    const sku = await product(5);
    const who = customer();
    await add(who, sku, 1);
    const done = await settle(who, (await start(who, 'tok_timeout')).id);
    expect(done).toMatchObject({ status: 'FAILED', failureReason: 'timed out waiting for the payment', payment: { status: 'PENDING' } });
    await waitFor(async () => (await stockOf(sku)).reserved === 0, { what: 'the stock released' });
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });

  it('refunds a payment that succeeds only after the checkout failed', async () => {
    const sku = await product(5);
    const who = customer();
    await add(who, sku, 1);
    const { id } = await start(who, 'tok_slow');
    const failed = await settle(who, id);
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'timed out waiting for the payment' });
    await waitFor(async () => (await view(who, id)).payment?.status === 'REFUNDED', {
      timeoutMs: PAYMENT_SLOW_MS + 10_000,
      what: 'the refund',
    });
    expect((await view(who, id)).order).toBeNull();
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });

  it('never runs two checkouts for one customer: a double click and a new key both get the one in progress', async () => {
    const sku = await product(5);
    const who = customer();
    await add(who, sku, 1);
    const [first, second] = await Promise.all([start(who, 'tok_visa', 'click-1'), start(who, 'tok_visa', 'click-1')]);
    expect(second.id).toBe(first.id);
    const third = await start(who, 'tok_visa', 'another-key');
    expect(third.id).toBe(first.id);
    await settle(who, first.id);
    // The same key always returns the same checkout, whatever the cart holds now.
    expect((await start(who, 'tok_visa', 'click-1')).id).toBe(first.id);
    const { myCheckouts } = await ok<{ myCheckouts: { items: { id: string }[] } }>('{ myCheckouts { items { id } } }', {}, who);
    expect(myCheckouts.items).toEqual([{ id: first.id }]);
  });

  it('refuses an empty cart and bad input, and hides other customers’ checkouts', async () => {
    const who = customer();
    const empty = await shop.query(`mutation { startCheckout(input: { paymentToken: "tok_visa" }) { id } }`, {}, who);
    expect(empty.errors?.[0]).toMatchObject({
      message: 'the cart is empty: add something before checking out',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const badToken = await shop.query(`mutation { startCheckout(input: { paymentToken: "tok visa!" }) { id } }`, {}, who);
    expect(badToken.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    const sku = await product(5);
    const owner = customer();
    await add(owner, sku, 1);
    const { id } = await start(owner, 'tok_visa');
    const peek = await shop.query(`query ($id: ID!) { checkout(id: $id) { id status } }`, { id }, who);
    expect(peek.data).toEqual({ checkout: null });
    expect(peek.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const unknown = await shop.query(`query ($id: ID!) { checkout(id: $id) { id } }`, { id: randomUUID() }, who);
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    expect((await view(admin, id)).id).toBe(id);
    await settle(owner, id);
  });

  it('finishes a saga whose service was stopped in the middle and started again', async () => {
    const sku = await product(5);
    const who = customer();
    await add(who, sku, 1);
    const { id } = await start(who, 'tok_visa');
    await shop.restart('checkout', { downForMs: 500 });
    const done = await settle(who, id);
    expect(done.status).toBe('COMPLETED');
    expect(done.history.map((h) => h.sequence)).toEqual([1, 2, 3, 4]);
  });
});
