import { randomUUID } from 'node:crypto';
import { type Envelope, type MessageContract, OrderCreated, OrderFailed, Outbox, ProductPriceChanged } from '@shop/events';
import { deleteBrokerObjects, deliver, uniqueName, waitFor } from '@shop/events/src/testing';
import { type Identity, loadConfig } from '@shop/platform';
import { type TestSubgraph, admin, customer, startTestSubgraph } from '@shop/platform/src/testing';
import { startInventoryService } from '@shop/inventory/src/subgraph';
import { startProductService } from '@shop/product/src/subgraph';
import { startCartService } from './subgraph';

// The real product, inventory and cart services on one queue prefix: products are created on
// product, get their stock row on inventory from ProductCreated, and are counted there; cart asks
// both while adding and follows their events. Orders arrive as the order service announces them.

interface Line {
  sku: string;
  quantity: number;
  unitPrice: { amount: string; currency: string };
  product: { __typename: string; sku: string } | null;
}
interface CartShape {
  customerId: string;
  lines: Line[];
  total: { amount: string; currency: string };
  updatedAt: string;
}

const CART_FIELDS = `customerId lines { sku quantity unitPrice { amount currency } product { __typename sku } } total { amount currency } updatedAt`;
const orders = new Outbox('order-service');
const catalogue = new Outbox('product-service');

describe('cart subgraph', () => {
  const prefix = `${uniqueName('cartflow')}.`;
  let product: TestSubgraph;
  let inventory: TestSubgraph;
  let cart: TestSubgraph;
  const cartEvents: Envelope<Record<string, unknown>>[] = [];

  const serviceUrls = () => ({ ...loadConfig('cart').serviceUrls, product: product.service.url, inventory: inventory.service.url });

  beforeAll(async () => {
    product = await startTestSubgraph('product', startProductService, { prefix });
    inventory = await startTestSubgraph('inventory', startInventoryService, { prefix });
    cart = await startTestSubgraph('cart', startCartService, { prefix, config: { serviceUrls: serviceUrls() } });
    await watchCartEvents(cart, cartEvents);
  });

  afterAll(async () => {
    await cart?.stop();
    await inventory?.stop();
    await product?.stop();
    await deleteBrokerObjects(prefix);
  });

  async function watchCartEvents(service: TestSubgraph, into: Envelope<Record<string, unknown>>[]) {
    await service.service.transport.consume(
      {
        name: `watch-cart-${randomUUID().slice(0, 8)}`,
        bindings: ['CartCleared', 'CartExpired'].map((routingKey) => ({ exchange: 'cart-events', routingKey })),
        retryDelaysMs: [],
        exclusive: true,
      },
      (delivery) => {
        into.push(JSON.parse(delivery.body.toString()));
        void delivery.ack();
      },
    );
  }

  const send = (contract: MessageContract, ...envelopes: Envelope[]) => deliver(cart.service.transport, contract, ...envelopes);

  const someone = () => customer(`c-${randomUUID().slice(0, 8)}`);

  /** A product created on product, with its stock counted on inventory once inventory has heard of it. */
  async function stocked(available: number, price = '10.00', currency = 'GBP'): Promise<string> {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    const created = await product.query(
      `mutation ($input: CreateProductInput!) { createProduct(input: $input) { sku } }`,
      { input: { sku, name: `Thing ${sku}`, price, currency } },
      admin,
    );
    expect(created.errors).toBeUndefined();
    await waitFor(
      async () => {
        const result = await inventory.query<{ _entities: { stock: unknown }[] }>(
          `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stock { available } } } }`,
          { r: [{ __typename: 'Product', sku }] },
        );
        return result.data?._entities[0].stock;
      },
      { what: `the stock row of ${sku}` },
    );
    const counted = await inventory.query(`mutation { setStock(sku: "${sku}", available: ${available}) { available } }`, {}, admin);
    expect(counted.errors).toBeUndefined();
    return sku;
  }

  const myCart = async (who: Identity, service = cart): Promise<CartShape> => {
    const result = await service.query<{ myCart: CartShape }>(`{ myCart { ${CART_FIELDS} } }`, {}, who);
    expect(result.errors).toBeUndefined();
    return result.data!.myCart;
  };

  const add = (who: Identity | null, sku: string, quantity: number, service = cart) =>
    service.query<{ addToCart: CartShape }>(
      `mutation ($sku: ID!, $quantity: Int!) { addToCart(sku: $sku, quantity: $quantity) { ${CART_FIELDS} } }`,
      { sku, quantity },
      who,
    );

  const update = (who: Identity, sku: string, quantity: number) =>
    cart.query<{ updateCartLine: CartShape }>(
      `mutation ($sku: ID!, $quantity: Int!) { updateCartLine(sku: $sku, quantity: $quantity) { ${CART_FIELDS} } }`,
      { sku, quantity },
      who,
    );

  const remove = (who: Identity, sku: string) =>
    cart.query<{ removeFromCart: CartShape }>(`mutation ($sku: ID!) { removeFromCart(sku: $sku) { ${CART_FIELDS} } }`, { sku }, who);

  const quantities = (shape: CartShape) => Object.fromEntries(shape.lines.map((l) => [l.sku, l.quantity]));

  const priced = (shape: CartShape) => shape.lines.map((l) => [l.sku, l.quantity, l.unitPrice.amount]);

  /** An order as the order service announces it when created, and when the saga has cancelled it. */
  const order = (who: Identity, lines: { sku: string; quantity: number }[]) => {
    const orderId = randomUUID();
    const checkoutId = randomUUID();
    const pricedLines = lines.map((line) => ({ ...line, unitPrice: '10.00' }));
    return {
      created: orders.envelope(
        OrderCreated,
        {
          orderId,
          checkoutId,
          customerId: who.sub,
          email: null,
          lines: pricedLines,
          total: '0.00',
          currency: 'GBP',
          paymentRef: `pay-${orderId}`,
        },
        { sequence: 1, correlationId: checkoutId },
      ),
      failed: orders.envelope(
        OrderFailed,
        { orderId, checkoutId, customerId: who.sub, reason: 'cancelled by the saga', lines: pricedLines },
        { sequence: 2, correlationId: checkoutId },
      ),
    };
  };

  /** The consumer applies messages in order: once a later order has taken its line, every earlier one was handled. */
  async function settled() {
    const sku = await stocked(1);
    const who = someone();
    await add(who, sku, 1);
    await send(OrderCreated, order(who, [{ sku, quantity: 1 }]).created);
    await waitFor(async () => (await myCart(who)).lines.length === 0, { what: 'the sentinel order' });
  }

  it('needs a token for myCart, and gives an empty cart to a customer who has none', async () => {
    expect((await cart.query(`{ myCart { customerId } }`, {}, null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await add(null, 'ANY', 1)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const who = someone();
    const empty = await myCart(who);
    expect(empty).toMatchObject({ customerId: who.sub, lines: [], total: { amount: '0.00', currency: 'GBP' } });
  });

  it('adds lines with the current price, refers to products by SKU, and totals exactly', async () => {
    const [a, b] = [await stocked(10, '0.10'), await stocked(10, '19.99')];
    const who = someone();
    expect((await add(who, a, 3)).errors).toBeUndefined();
    const added = await add(who, b, 2);
    expect(added.errors).toBeUndefined();
    expect(added.data?.addToCart).toMatchObject({
      customerId: who.sub,
      lines: [
        { sku: a, quantity: 3, unitPrice: { amount: '0.10', currency: 'GBP' }, product: { __typename: 'Product', sku: a } },
        { sku: b, quantity: 2, unitPrice: { amount: '19.99', currency: 'GBP' }, product: { __typename: 'Product', sku: b } },
      ],
      total: { amount: '40.28', currency: 'GBP' },
    });
    expect(await myCart(who)).toEqual(added.data?.addToCart);

    // The gateway resolves each line's product from its representation on the product subgraph.
    const representations = (await myCart(who)).lines.map((line) => line.product);
    const resolved = await product.query<{ _entities: unknown[] }>(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { sku name price { amount } } } }`,
      { r: representations },
    );
    expect(resolved.data?._entities).toEqual([
      { sku: a, name: `Thing ${a}`, price: { amount: '0.10' } },
      { sku: b, name: `Thing ${b}`, price: { amount: '19.99' } },
    ]);
  });

  it('refuses a line holding more than is available, counting what the cart already holds', async () => {
    const sku = await stocked(5);
    const who = someone();
    const tooMany = await add(who, sku, 6);
    expect(tooMany.errors?.[0]).toMatchObject({ message: `only 5 of ${sku} available`, extensions: { code: 'BAD_USER_INPUT' } });
    expect((await add(who, sku, 3)).errors).toBeUndefined();
    const beyond = await add(who, sku, 3);
    expect(beyond.errors?.[0]).toMatchObject({
      message: `only 5 of ${sku} available; the cart already holds 3`,
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(quantities(await myCart(who))).toEqual({ [sku]: 3 });
    expect((await update(who, sku, 6)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await add(who, sku, 2)).data?.addToCart.lines[0].quantity).toBe(5);
  });

  it('changes a line with updateCartLine (0 removes it) and removes it with removeFromCart', async () => {
    const [a, b] = [await stocked(10), await stocked(10)];
    const who = someone();
    await add(who, a, 2);
    await add(who, b, 2);
    expect(quantities((await update(who, a, 7)).data!.updateCartLine)).toEqual({ [a]: 7, [b]: 2 });
    expect(quantities((await update(who, a, 1)).data!.updateCartLine)).toEqual({ [a]: 1, [b]: 2 });
    expect(quantities((await update(who, a, 0)).data!.updateCartLine)).toEqual({ [b]: 2 });
    const removed = await remove(who, b);
    expect(removed.data?.removeFromCart).toMatchObject({ lines: [], total: { amount: '0.00', currency: 'GBP' } });
    expect((await remove(who, b)).errors?.[0]).toMatchObject({ message: `cart line ${b} not found`, extensions: { code: 'NOT_FOUND' } });
  });

  it('brings a price change to every cart holding the SKU within 2 s, and ignores an older change', async () => {
    const sku = await stocked(50, '10.00');
    const [first, second] = [someone(), someone()];
    await add(first, sku, 1);
    await add(second, sku, 2);
    const changed = await product.query(`mutation { changePrice(sku: "${sku}", price: "12.50") { sku } }`, {}, admin);
    expect(changed.errors).toBeUndefined();
    await waitFor(
      async () =>
        (await myCart(first)).lines[0].unitPrice.amount === '12.50' && (await myCart(second)).lines[0].unitPrice.amount === '12.50',
      { what: 'the new price in both carts', timeoutMs: 2_000 },
    );
    expect((await myCart(second)).total).toEqual({ amount: '25.00', currency: 'GBP' });

    // A change older than the one applied arrives late: it changes nothing, in carts or for lines added later.
    await send(
      ProductPriceChanged,
      catalogue.envelope(ProductPriceChanged, { sku, oldPrice: '9.00', newPrice: '10.00', currency: 'GBP' }, { sequence: 1 }),
    );
    await settled();
    expect(priced(await myCart(first))).toEqual([[sku, 1, '12.50']]);
    expect(priced((await add(someone(), sku, 1)).data!.addToCart)).toEqual([[sku, 1, '12.50']]);
  });

  it('drops a deactivated product from every cart, and refuses to add it', async () => {
    const [gone, kept] = [await stocked(10), await stocked(10)];
    const [first, second] = [someone(), someone()];
    await add(first, gone, 1);
    await add(first, kept, 1);
    await add(second, gone, 3);
    await product.query(`mutation { deactivateProduct(sku: "${gone}") { active } }`, {}, admin);
    await waitFor(async () => (await myCart(first)).lines.length === 1 && (await myCart(second)).lines.length === 0, {
      what: 'the lines dropped',
    });
    expect(quantities(await myCart(first))).toEqual({ [kept]: 1 });
    const refused = await add(second, gone, 1);
    expect(refused.errors?.[0]).toMatchObject({ message: `product ${gone} is no longer sold`, extensions: { code: 'BAD_USER_INPUT' } });
    expect((await myCart(second)).lines).toEqual([]);
  });

  it('says whether the product of each line is on sale now, asking the product subgraph', async () => {
    const [selling, stopped] = [await stocked(10), await stocked(10)];
    const who = someone();
    await add(who, selling, 1);
    await add(who, stopped, 1);
    const linesNow = async () =>
      (
        await cart.query<{ myCart: { lines: { sku: string; productActive: boolean }[] } }>(
          '{ myCart { lines { sku productActive } } }',
          {},
          who,
        )
      ).data!.myCart.lines;
    expect(await linesNow()).toEqual([
      { sku: selling, productActive: true },
      { sku: stopped, productActive: true },
    ]);
    await product.query(`mutation { deactivateProduct(sku: "${stopped}") { active } }`, {}, admin);
    // Before ProductDeactivated drops the line, the line already says its product is not on sale.
    expect((await linesNow()).find((line) => line.sku === stopped)?.productActive ?? false).toBe(false);
    expect((await linesNow()).find((line) => line.sku === selling)?.productActive).toBe(true);
  });

  describe('orders', () => {
    it('removes only the checked-out quantities on OrderCreated, once, and puts them back on OrderFailed, once', async () => {
      const [a, b, c] = [await stocked(20), await stocked(20), await stocked(20)];
      const who = someone();
      await add(who, a, 3);
      await add(who, b, 1);
      const { created, failed } = order(who, [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ]);
      // Added after the checkout started: stays.
      await add(who, c, 4);
      await send(OrderCreated, created, created);
      await waitFor(async () => (await myCart(who)).lines.length === 2, { what: 'the checked-out lines removed' });
      expect(quantities(await myCart(who))).toEqual({ [a]: 1, [c]: 4 });
      await send(OrderCreated, orders.envelope(OrderCreated, created.data, { sequence: 1 }));

      await send(OrderFailed, failed, failed);
      await send(OrderFailed, orders.envelope(OrderFailed, failed.data, { sequence: 2 }));
      await waitFor(async () => (await myCart(who)).lines.length === 3, { what: 'the lines put back' });
      await settled();
      expect(quantities(await myCart(who))).toEqual({ [a]: 3, [b]: 1, [c]: 4 });
      expect(cartEvents.filter((e) => e.data.customerId === who.sub)).toEqual([]);
    });

    it('announces CartCleared when an order empties the cart', async () => {
      const sku = await stocked(20);
      const who = someone();
      await add(who, sku, 2);
      await send(OrderCreated, order(who, [{ sku, quantity: 2 }]).created);
      await waitFor(() => cartEvents.some((e) => e.eventType === 'CartCleared' && e.data.customerId === who.sub), { what: 'CartCleared' });
      expect((await myCart(who)).lines).toEqual([]);
      const cleared = cartEvents.filter((e) => e.data.customerId === who.sub);
      expect(cleared).toHaveLength(1);
      expect(cleared[0]).toMatchObject({ source: 'cart-service', data: { customerId: who.sub } });
    });

    it('takes nothing for an OrderCreated that arrives after its OrderFailed', async () => {
      const sku = await stocked(20);
      const who = someone();
      await add(who, sku, 2);
      const { created, failed } = order(who, [{ sku, quantity: 2 }]);
      await send(OrderFailed, failed);
      await send(OrderCreated, created);
      await settled();
      expect(quantities(await myCart(who))).toEqual({ [sku]: 2 });
    });
  });

  it('never shows a customer another customer’s cart, nor lets them change it', async () => {
    const sku = await stocked(10);
    const [owner, other] = [someone(), someone()];
    await add(owner, sku, 2);
    expect((await myCart(other)).lines).toEqual([]);
    expect((await update(other, sku, 5)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await remove(other, sku)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(quantities(await myCart(owner))).toEqual({ [sku]: 2 });
    expect((await myCart(admin)).customerId).toBe(admin.sub);
  });

  describe('bad input', () => {
    let sku: string;
    let who: Identity;
    let before: CartShape;

    beforeAll(async () => {
      sku = await stocked(10, '5.00', 'GBP');
      who = someone();
      await add(who, sku, 2);
      before = await myCart(who);
    });

    afterEach(async () => {
      expect(await myCart(who)).toEqual(before);
    });

    it.each([
      [0, 'quantity: must be between 1 and 999'],
      [1000, 'quantity: must be between 1 and 999'],
      [-1, 'quantity: must be between 1 and 999'],
    ])('refuses addToCart with quantity %i', async (quantity, message) => {
      expect((await add(who, sku, quantity)).errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
    });

    it.each([
      [1000, 'quantity: must be between 0 and 999 (0 removes the line)'],
      [-1, 'quantity: must be between 0 and 999 (0 removes the line)'],
    ])('refuses updateCartLine with quantity %i', async (quantity, message) => {
      expect((await update(who, sku, quantity)).errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
    });

    it('refuses a line beyond 999 units', async () => {
      const plenty = await stocked(5_000);
      const buyer = someone();
      await add(buyer, plenty, 998);
      expect((await add(buyer, plenty, 2)).errors?.[0]).toMatchObject({
        message: 'a line holds at most 999 units; the cart already holds 998',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });

    it('gives NOT_FOUND for an unknown SKU and BAD_USER_INPUT for a malformed one', async () => {
      expect((await add(who, 'NO-SUCH-SKU', 1)).errors?.[0]).toMatchObject({
        message: 'product NO-SUCH-SKU not found',
        extensions: { code: 'NOT_FOUND' },
      });
      expect((await add(who, 'has spaces', 1)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect((await update(who, 'NO-SUCH-SKU', 1)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    });

    it('refuses an inactive product', async () => {
      const inactive = await stocked(10);
      await product.query(`mutation { deactivateProduct(sku: "${inactive}") { active } }`, {}, admin);
      expect((await add(who, inactive, 1)).errors?.[0]).toMatchObject({
        message: `product ${inactive} is no longer sold`,
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });

    it('refuses a second currency', async () => {
      const dollars = await stocked(10, '5.00', 'USD');
      expect((await add(who, dollars, 1)).errors?.[0]).toMatchObject({
        message: `the cart is in GBP and ${dollars} is priced in USD: one currency per cart`,
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });
  });

  it('expires an idle cart, announcing CartExpired with its lines', async () => {
    const sku = await stocked(10);
    const expiring = await startTestSubgraph(
      'cart_expiry',
      (options) => startCartService({ ...options, env: { ...process.env, CART_IDLE_TTL_MS: '300', CART_EXPIRY_SWEEP_MS: '100' } }),
      { config: { serviceUrls: serviceUrls() } },
    );
    try {
      const expired: Envelope<Record<string, unknown>>[] = [];
      await watchCartEvents(expiring, expired);
      const who = someone();
      expect((await add(who, sku, 2, expiring)).errors).toBeUndefined();
      await waitFor(() => expired.length === 1, { what: 'CartExpired' });
      expect(expired[0]).toMatchObject({ source: 'cart-service', data: { customerId: who.sub, lines: [{ sku, quantity: 2 }] } });
      expect((await myCart(who, expiring)).lines).toEqual([]);
      // An empty cart has nothing to expire.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(expired).toHaveLength(1);
    } finally {
      await expiring.stop();
    }
  });
});
