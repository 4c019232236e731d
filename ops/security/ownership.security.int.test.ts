import { randomUUID } from 'node:crypto';
import type { GraphQLResponse, Identity, ServiceName } from '@shop/platform';
import { InternalClient } from '@shop/platform';
import { type Shop, startShop } from '../world/shop';
import { ok } from '../world/requests';
import { type CompletedCheckout, codesOf, completedCheckout, newCustomer, securityAdmin, stockedProduct } from './support';

// Door: another customer's cart, order, payment or checkout reads exactly like one that does not
// exist, by root query, through a field of another type, and through a federation reference sent
// straight to the subgraph (`_entities`), whatever the reference claims besides its key.

describe('ownership of carts, orders, payments and checkouts', () => {
  let shop: Shop;
  let subgraph: InternalClient;
  const alice = newCustomer('alice');
  const bob = newCustomer('bob');
  let sku: string;
  let mine: CompletedCheckout;

  beforeAll(async () => {
    shop = await startShop({ label: 'sec_ownership' });
    subgraph = new InternalClient({ caller: 'gateway', signingKey: shop.services.order!.config.internalSigningKey });
    sku = await stockedProduct(shop, 10);
    mine = await completedCheckout(shop, alice, sku);
    // Something in alice's cart after the checkout, for bob to try to see.
    await ok(shop, `mutation { addToCart(sku: "${sku}", quantity: 3) { total { amount } } }`, {}, alice);
  });

  afterAll(async () => {
    await shop?.close();
  });

  /** What a response says, with the id asked for replaced, to compare a foreign id with one that does not exist. */
  const shapeOf = (result: GraphQLResponse<unknown>, id: string) => JSON.parse(JSON.stringify(result).split(id).join('<id>'));

  describe('through the gateway', () => {
    const ORDER = 'query ($id: ID!) { order(id: $id) { id customerId total { amount } payment { ref status } } }';
    const CHECKOUT = 'query ($id: ID!) { checkout(id: $id) { id customerId order { id customerId } payment { ref } } }';

    it('shows the owner and an admin everything (the data the attacks below go after exists)', async () => {
      for (const who of [alice, securityAdmin]) {
        expect(await ok(shop, ORDER, { id: mine.orderId }, who)).toMatchObject({
          order: { id: mine.orderId, customerId: alice.sub, payment: { ref: mine.paymentRef, status: 'SUCCEEDED' } },
        });
        expect(await ok(shop, CHECKOUT, { id: mine.checkoutId }, who)).toMatchObject({
          checkout: { id: mine.checkoutId, order: { id: mine.orderId }, payment: { ref: mine.paymentRef } },
        });
      }
    });

    it.each([
      ['an order by root query', ORDER, () => mine.orderId],
      ['a checkout by root query, with its order and payment fields', CHECKOUT, () => mine.checkoutId],
    ])('another customer asking for %s gets NOT_FOUND, exactly as for an id that does not exist', async (_what, query, idOf) => {
      const foreign = await shop.query(query, { id: idOf() }, bob);
      const missingId = randomUUID();
      const missing = await shop.query(query, { id: missingId }, bob);
      expect(codesOf(foreign)).toEqual(['NOT_FOUND']);
      expect(shapeOf(foreign, idOf())).toEqual(shapeOf(missing, missingId));
      expect(JSON.stringify(foreign)).not.toContain(alice.sub);
      expect(JSON.stringify(foreign)).not.toContain(mine.paymentRef);
    });

    it('lists only the caller’s own orders, checkouts and cart', async () => {
      const lists = await ok<{ myOrders: { items: unknown[] }; myCheckouts: { items: unknown[] }; myCart: { lines: unknown[] } }>(
        shop,
        '{ myOrders { items { id } } myCheckouts { items { id } } myCart { lines { sku } } }',
        {},
        bob,
      );
      expect(lists).toEqual({ myOrders: { items: [] }, myCheckouts: { items: [] }, myCart: { lines: [] } });
    });

    it('refuses a customer the admin listing of every order', async () => {
      expect(codesOf(await shop.query('{ orders { items { id } } }', {}, bob))).toEqual(['FORBIDDEN']);
    });

    it('gives an anonymous caller nothing either', async () => {
      const order = await shop.query(ORDER, { id: mine.orderId }, null);
      const checkout = await shop.query(CHECKOUT, { id: mine.checkoutId }, null);
      expect(codesOf(order)).toEqual(['UNAUTHENTICATED']);
      expect(codesOf(checkout)).toEqual(['NOT_FOUND']);
      expect(JSON.stringify([order, checkout])).not.toContain(alice.sub);
    });
  });

  describe('through `_entities`, straight to each subgraph', () => {
    const entities = (service: ServiceName, selection: string, representations: Record<string, unknown>[], who: Identity | null) =>
      subgraph.request<{ _entities: unknown[] }>(
        shop.urls[service],
        `query ($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`,
        { r: representations },
        who,
      );

    // What each owned entity reference looks like to its owner, per subgraph that resolves it.
    const references: [string, ServiceName, string, () => Record<string, unknown>][] = [
      [
        'Order on order',
        'order',
        '... on Order { id customerId status total { amount } }',
        () => ({ __typename: 'Order', id: mine.orderId }),
      ],
      [
        'Checkout on checkout',
        'checkout',
        '... on Checkout { id customerId status order { id } history { status } }',
        () => ({ __typename: 'Checkout', id: mine.checkoutId }),
      ],
    ];

    it.each(references)('%s: the owner gets it', async (_what, service, selection, reference) => {
      const result = await entities(service, selection, [reference()], alice);
      expect(result.errors).toBeUndefined();
      expect(result.data?._entities[0]).toMatchObject({ id: reference().id, customerId: alice.sub });
    });

    it.each(references)(
      '%s: another customer, or anonymous, gets null and NOT_FOUND, fields not leaked',
      async (_what, service, selection, reference) => {
        for (const who of [bob, null]) {
          // Extra fields in a reference claim ownership; only the key may count.
          for (const claimed of [reference(), { ...reference(), customerId: bob.sub }]) {
            const result = await entities(service, selection, [claimed], who);
            expect(result.data).toEqual({ _entities: [null] });
            expect(result.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['NOT_FOUND', ['_entities', 0]]]);
            expect(JSON.stringify(result)).not.toContain(alice.sub);
          }
          const missingId = randomUUID();
          const missing = await entities(service, selection, [{ ...reference(), id: missingId }], who);
          expect(shapeOf(await entities(service, selection, [reference()], who), reference().id as string)).toEqual(
            shapeOf(missing, missingId),
          );
        }
      },
    );

    it.each(references)('%s: a malformed id is NOT_FOUND too, never a database error', async (_what, service, selection, reference) => {
      const result = await entities(service, selection, [{ ...reference(), id: "1' or '1'='1" }], alice);
      expect(result.data).toEqual({ _entities: [null] });
      expect(codesOf(result)).toEqual(['NOT_FOUND']);
    });

    it.each([
      ['an order', () => ({ __typename: 'Order', id: mine.orderId })],
      ['a checkout', () => ({ __typename: 'Checkout', id: mine.checkoutId })],
    ])(
      'the payment of %s: the owner sees it; anyone else gets null, exactly as for an id that does not exist',
      async (_what, reference) => {
        const selection = '... on Order { payment { ref status amount { amount } } } ... on Checkout { payment { ref status } }';
        const own = await entities('payment', selection, [reference()], alice);
        expect(own.data?._entities[0]).toMatchObject({ payment: { ref: mine.paymentRef } });
        const missingId = randomUUID();
        const missing = await entities('payment', selection, [{ ...reference(), id: missingId }], bob);
        for (const who of [bob, null]) {
          const foreign = await entities('payment', selection, [{ ...reference(), customerId: bob.sub }], who);
          expect(foreign.data).toEqual({ _entities: [{ payment: null }] });
          expect(shapeOf(foreign, reference().id)).toEqual(shapeOf(missing, missingId));
          expect(JSON.stringify(foreign)).not.toContain(mine.paymentRef);
        }
      },
    );

    it('the cart is chosen by the signed identity alone', async () => {
      const asBob = await subgraph.request<{ myCart: { customerId: string; lines: unknown[] } }>(
        shop.urls.cart,
        '{ myCart { customerId lines { sku } } }',
        {},
        bob,
      );
      expect(asBob.data?.myCart).toEqual({ customerId: bob.sub, lines: [] });
      const asAlice = await subgraph.request<{ myCart: { lines: unknown[] } }>(
        shop.urls.cart,
        '{ myCart { lines { sku quantity } } }',
        {},
        alice,
      );
      expect(asAlice.data?.myCart.lines).toEqual([{ sku, quantity: 3 }]);
    });
  });
});
