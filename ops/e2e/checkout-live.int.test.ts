import { randomUUID } from 'node:crypto';
import { waitFor } from '@shop/events/src/testing';
import { Watched, closeBrokerConnection, connectClient } from '@shop/gateway/src/subscriptions/testing';
import type { Identity } from '@shop/platform';
import type { Client } from 'graphql-ws';
import { ok as answerOf } from '../world/requests';
import { type Shop, startShop } from '../world/shop';

// An app's view of checkout: startCheckout over HTTP, then the saga watched live over graphql-ws
// through the gateway, with every service running, while the gateway's broker connection drops.

const admin: Identity = { sub: 'e2e-admin', role: 'admin' };
const ORDER = ['RESERVING_STOCK', 'PROCESSING_PAYMENT', 'CREATING_ORDER', 'COMPLETED'];
const WATCH = `subscription ($id: ID!) { checkoutStatusChanged(checkoutId: $id) { id status failureReason order { status total { amount } payment { status } } } }`;

describe('checkout watched live through the gateway', () => {
  let shop: Shop;
  const clients: Client[] = [];

  beforeAll(async () => {
    shop = await startShop({ label: 'e2e_live', env: { PAYMENT_SLOW_MS: '2500', CHECKOUT_STEP_TIMEOUT_MS: '20000' } });
  });

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await shop?.close();
  });

  const customer = (): Identity => ({ sub: `c-${randomUUID().slice(0, 8)}`, role: 'customer' });

  const ok = <T>(query: string, variables: Record<string, unknown> = {}, identity: Identity | null = null) =>
    answerOf<T>(shop, query, variables, identity);

  async function cartWith(quantity: number): Promise<Identity> {
    const sku = `LIVE-${randomUUID().slice(0, 8)}`;
    await ok(
      `mutation ($i: CreateProductInput!) { createProduct(input: $i) { sku } }`,
      { i: { sku, name: sku, price: '30.00', currency: 'GBP' } },
      admin,
    );
    await waitFor(async () => !(await shop.query(`mutation { setStock(sku: "${sku}", available: 10) { available } }`, {}, admin)).errors, {
      what: 'the stock row',
    });
    const who = customer();
    await ok(`mutation { addToCart(sku: "${sku}", quantity: ${quantity}) { total { amount } } }`, {}, who);
    return who;
  }

  async function watch(who: Identity, paymentToken: string): Promise<{ id: string; watched: Watched }> {
    const { client } = await connectClient(shop.gateway, who);
    clients.push(client);
    const { startCheckout } = await ok<{ startCheckout: { id: string } }>(
      `mutation { startCheckout(input: { paymentToken: "${paymentToken}" }) { id } }`,
      {},
      who,
    );
    return { id: startCheckout.id, watched: new Watched(client, WATCH, { id: startCheckout.id }) };
  }

  /** The statuses a subscriber saw: the current one first, then each later one once, in order. */
  const statuses = (watched: Watched) => watched.values<{ status: string }>('checkoutStatusChanged').map((c) => c.status);

  it('shows every step from the current state to COMPLETED, with the order PAID and its payment SUCCEEDED', async () => {
    const { watched } = await watch(await cartWith(2), 'tok_visa');
    await watched.ended;
    expect(watched.completed).toBe(true);
    const seen = statuses(watched);
    expect(ORDER.slice(ORDER.indexOf(seen[0]))).toEqual(seen);
    const last = watched.values<{ order: unknown }>('checkoutStatusChanged').at(-1);
    expect(last?.order).toEqual({ status: 'PAID', total: { amount: '60.00' }, payment: { status: 'SUCCEEDED' } });
  });

  it('shows a declined card as FAILED with its reason, then completes', async () => {
    const { watched } = await watch(await cartWith(1), 'tok_declined');
    await watched.ended;
    const last = watched.values<{ status: string; failureReason: string }>('checkoutStatusChanged').at(-1);
    expect(last?.status).toBe('FAILED');
    expect(last?.failureReason).toMatch(/^payment failed: /);
    expect(watched.completed).toBe(true);
  });

  it('loses no transition when the gateway’s broker connection drops in the middle of a checkout', async () => {
    const { watched } = await watch(await cartWith(1), 'tok_slow');
    await waitFor(() => statuses(watched).includes('PROCESSING_PAYMENT'), { what: 'the payment step' });
    await closeBrokerConnection(shop.prefix + shop.gateway.subscriptions.instanceName);
    await watched.ended;
    const seen = statuses(watched);
    expect(seen.at(-1)).toBe('COMPLETED');
    expect(ORDER.slice(ORDER.indexOf(seen[0]))).toEqual(seen);
  });

  it('refuses to show another customer’s checkout, and keeps the socket open', async () => {
    const { id, watched: own } = await watch(await cartWith(1), 'tok_visa');
    const { client } = await connectClient(shop.gateway, customer());
    clients.push(client);
    const intruder = new Watched(client, WATCH, { id });
    await intruder.ended;
    expect(intruder.messages).toEqual([]);
    expect(intruder.graphqlErrors[0]?.extensions?.code).toBe('NOT_FOUND');
    await own.ended;
    const again = new Watched(client, WATCH, { id: randomUUID() });
    await again.ended;
    expect(again.graphqlErrors[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
