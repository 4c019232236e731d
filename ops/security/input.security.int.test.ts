import type { Identity } from '@shop/platform';
import { type Shop, startShop } from '../world/shop';
import {
  type CompletedCheckout,
  codesOf,
  completedCheckout,
  databaseDigest,
  newCustomer,
  securityAdmin,
  settledDigest,
  stockedProduct,
} from './support';

// Door: every argument of every mutation (and the page arguments of the lists) is checked before
// any work: a bad value is BAD_USER_INPUT with a message naming the argument, and no table changes.

const long = (length: number) => 'x'.repeat(length);

describe('bad arguments', () => {
  let shop: Shop;
  let sku: string;
  let paid: CompletedCheckout;
  let untouched: Record<string, string>;
  const shopper = newCustomer('shopper');
  const buyer = newCustomer('buyer');

  beforeAll(async () => {
    shop = await startShop({ label: 'sec_input' });
    sku = await stockedProduct(shop, 10);
    paid = await completedCheckout(shop, buyer, sku);
    const added = await shop.query(`mutation { addToCart(sku: "${sku}", quantity: 1) { total { amount } } }`, {}, shopper);
    expect(added.errors).toBeUndefined();
    untouched = await settledDigest(shop);
  });

  afterAll(async () => {
    await shop?.close();
  });

  const customerCases = (): [string, string, Record<string, unknown>, string][] => [
    [
      'addToCart quantity 0',
      'mutation ($s: ID!, $q: Int!) { addToCart(sku: $s, quantity: $q) { total { amount } } }',
      { s: sku, q: 0 },
      'quantity',
    ],
    [
      'addToCart quantity -1',
      'mutation ($s: ID!, $q: Int!) { addToCart(sku: $s, quantity: $q) { total { amount } } }',
      { s: sku, q: -1 },
      'quantity',
    ],
    [
      'addToCart quantity 1000',
      'mutation ($s: ID!, $q: Int!) { addToCart(sku: $s, quantity: $q) { total { amount } } }',
      { s: sku, q: 1000 },
      'quantity',
    ],
    [
      'addToCart quantity past Int',
      'mutation ($s: ID!, $q: Int!) { addToCart(sku: $s, quantity: $q) { total { amount } } }',
      { s: sku, q: 2 ** 31 },
      'q',
    ],
    [
      'addToCart quantity not whole',
      'mutation ($s: ID!, $q: Int!) { addToCart(sku: $s, quantity: $q) { total { amount } } }',
      { s: sku, q: 1.5 },
      'q',
    ],
    ['addToCart empty SKU', 'mutation ($s: ID!) { addToCart(sku: $s, quantity: 1) { total { amount } } }', { s: '' }, 'sku'],
    ['addToCart SKU with spaces', 'mutation ($s: ID!) { addToCart(sku: $s, quantity: 1) { total { amount } } }', { s: 'A B' }, 'sku'],
    [
      'addToCart SKU of 65 characters',
      'mutation ($s: ID!) { addToCart(sku: $s, quantity: 1) { total { amount } } }',
      { s: long(65) },
      'sku',
    ],
    ['addToCart SKU with SQL', 'mutation ($s: ID!) { addToCart(sku: $s, quantity: 1) { total { amount } } }', { s: "x' or '1'='1" }, 'sku'],
    [
      'updateCartLine quantity -1',
      'mutation ($s: ID!) { updateCartLine(sku: $s, quantity: -1) { total { amount } } }',
      { s: sku },
      'quantity',
    ],
    [
      'updateCartLine quantity 1000',
      'mutation ($s: ID!) { updateCartLine(sku: $s, quantity: 1000) { total { amount } } }',
      { s: sku },
      'quantity',
    ],
    ['updateCartLine bad SKU', 'mutation { updateCartLine(sku: "../etc", quantity: 1) { total { amount } } }', {}, 'sku'],
    ['removeFromCart bad SKU', 'mutation ($s: ID!) { removeFromCart(sku: $s) { total { amount } } }', { s: long(200) }, 'sku'],
    ...(
      [
        ['empty', ''],
        ['with a space', 'tok visa'],
        ['of 101 characters', long(101)],
        ['with SQL', "tok_visa'; drop table checkouts; --"],
      ] as const
    ).map(
      ([what, token]) =>
        [
          `startCheckout payment token ${what}`,
          'mutation ($i: CheckoutInput!) { startCheckout(input: $i) { id } }',
          { i: { paymentToken: token } },
          'paymentToken',
        ] as [string, string, Record<string, unknown>, string],
    ),
    ...(
      [
        ['empty', ''],
        ['of 101 characters', long(101)],
        ['with spaces', 'my key'],
        ['with a newline', 'a\nb'],
        ['not ASCII', 'ключ'],
      ] as const
    ).map(
      ([what, key]) =>
        [
          `startCheckout idempotency key ${what}`,
          'mutation ($i: CheckoutInput!) { startCheckout(input: $i) { id } }',
          { i: { paymentToken: 'tok_visa', idempotencyKey: key } },
          'idempotencyKey',
        ] as [string, string, Record<string, unknown>, string],
    ),
    ['myOrders first 0', '{ myOrders(first: 0) { items { id } } }', {}, 'first'],
    ['myOrders first 101', '{ myOrders(first: 101) { items { id } } }', {}, 'first'],
    ['myOrders after garbage', '{ myOrders(after: "not a cursor") { items { id } } }', {}, 'after'],
    ['myCheckouts first -1', '{ myCheckouts(first: -1) { items { id } } }', {}, 'first'],
    ['myCheckouts after garbage', '{ myCheckouts(after: "%%%") { items { id } } }', {}, 'after'],
    ['products first 1000', '{ products(first: 1000) { items { sku } } }', {}, 'first'],
    ['products search of 101 characters', 'query ($s: String) { products(search: $s) { items { sku } } }', { s: long(101) }, 'search'],
  ];

  const createProduct = 'mutation ($i: CreateProductInput!) { createProduct(input: $i) { sku } }';
  const product = (overrides: Record<string, unknown>) => ({
    i: { sku: 'SEC-NEW-1', name: 'New', price: '5.00', currency: 'GBP', ...overrides },
  });
  const adminCases = (): [string, string, Record<string, unknown>, string][] => [
    ['createProduct SKU empty', createProduct, product({ sku: '' }), 'sku'],
    ['createProduct SKU of 65 characters', createProduct, product({ sku: long(65) }), 'sku'],
    ['createProduct SKU starting with a dash', createProduct, product({ sku: '-A' }), 'sku'],
    ['createProduct name empty', createProduct, product({ name: '' }), 'name'],
    ['createProduct name blank', createProduct, product({ name: '   ' }), 'name'],
    ['createProduct name of 201 characters', createProduct, product({ name: long(201) }), 'name'],
    ['createProduct description of 2001 characters', createProduct, product({ description: long(2001) }), 'description'],
    ['createProduct price 0', createProduct, product({ price: '0' }), 'price'],
    ['createProduct price 0.00', createProduct, product({ price: '0.00' }), 'price'],
    ['createProduct price negative', createProduct, product({ price: '-1.00' }), 'price'],
    ['createProduct price not a number', createProduct, product({ price: 'abc' }), 'price'],
    ['createProduct price with an exponent', createProduct, product({ price: '1e5' }), 'price'],
    ['createProduct price with 3 decimals', createProduct, product({ price: '1.234' }), 'price'],
    ['createProduct price past the maximum', createProduct, product({ price: '1000000.01' }), 'price'],
    ['createProduct price of 15 digits', createProduct, product({ price: '999999999999999' }), 'price'],
    ['createProduct currency lower case', createProduct, product({ currency: 'gbp' }), 'currency'],
    ['createProduct currency unknown', createProduct, product({ currency: 'ZZZ' }), 'currency'],
    ['createProduct currency too long', createProduct, product({ currency: 'EURO' }), 'currency'],
    ['updateProduct bad SKU', 'mutation { updateProduct(sku: "a b", input: { name: "N" }) { sku } }', {}, 'sku'],
    ['updateProduct name empty', `mutation ($s: ID!) { updateProduct(sku: $s, input: { name: "" }) { sku } }`, { s: sku }, 'name'],
    [
      'updateProduct name of 201 characters',
      'mutation ($s: ID!, $n: String) { updateProduct(sku: $s, input: { name: $n }) { sku } }',
      { s: sku, n: long(201) },
      'name',
    ],
    [
      'updateProduct description of 2001 characters',
      'mutation ($s: ID!, $d: String) { updateProduct(sku: $s, input: { description: $d }) { sku } }',
      { s: sku, d: long(2001) },
      'description',
    ],
    ...['0', '-5', '1.999', '2000000', 'abc', ''].map(
      (price) =>
        [
          `changePrice to "${price}"`,
          'mutation ($s: ID!, $p: Decimal!) { changePrice(sku: $s, price: $p) { sku } }',
          { s: sku, p: price },
          'price',
        ] as [string, string, Record<string, unknown>, string],
    ),
    ['changePrice bad SKU', 'mutation { changePrice(sku: "a/b", price: "1.00") { sku } }', {}, 'sku'],
    ['deactivateProduct bad SKU', 'mutation { deactivateProduct(sku: "") { sku } }', {}, 'sku'],
    ['reactivateProduct bad SKU', 'mutation ($s: ID!) { reactivateProduct(sku: $s) { sku } }', { s: long(65) }, 'sku'],
    ['setStock bad SKU', 'mutation { setStock(sku: "a b", available: 1) { available } }', {}, 'sku'],
    ['setStock available -1', 'mutation ($s: ID!) { setStock(sku: $s, available: -1) { available } }', { s: sku }, 'available'],
    [
      'setStock available past the maximum',
      'mutation ($s: ID!) { setStock(sku: $s, available: 1000001) { available } }',
      { s: sku },
      'available',
    ],
    [
      'setStock threshold -1',
      'mutation ($s: ID!) { setStock(sku: $s, available: 1, lowStockThreshold: -1) { available } }',
      { s: sku },
      'lowStockThreshold',
    ],
    ['shipOrder id not a uuid', 'mutation { shipOrder(id: "42", trackingNumber: "T-1") { id } }', {}, 'id'],
    [
      'shipOrder tracking number empty',
      'mutation ($id: ID!) { shipOrder(id: $id, trackingNumber: " ") { id } }',
      { id: paid.orderId },
      'trackingNumber',
    ],
    [
      'shipOrder tracking number of 101 characters',
      'mutation ($id: ID!, $t: String!) { shipOrder(id: $id, trackingNumber: $t) { id } }',
      { id: paid.orderId, t: long(101) },
      'trackingNumber',
    ],
    ['refundOrder id not a uuid', 'mutation { refundOrder(id: "not-an-order") { id } }', {}, 'id'],
    ['orders first 0', '{ orders(first: 0) { items { id } } }', {}, 'first'],
    ['orders after garbage', '{ orders(after: "bm9wZQ") { items { id } } }', {}, 'after'],
  ];

  /** Runs each case; a failure names the case. */
  const refuseEach = async (cases: [string, string, Record<string, unknown>, string][], identity: Identity) => {
    for (const [name, query, variables, argument] of cases) {
      try {
        const result = await shop.query(query, variables, identity);
        expect(result.data ?? null).toBeNull();
        expect(codesOf(result)).toEqual(['BAD_USER_INPUT']);
        expect(result.errors?.[0].message).toContain(argument);
        expect(await databaseDigest(shop)).toEqual(untouched);
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`);
      }
    }
  };

  // Built lazily: the cases need the SKU and order made in beforeAll.
  it('refuses each bad customer argument with BAD_USER_INPUT naming it, and changes nothing', async () => {
    await refuseEach(customerCases(), shopper);
  });

  it('refuses each bad admin argument with BAD_USER_INPUT naming it, and changes nothing', async () => {
    await refuseEach(adminCases(), securityAdmin);
  });
});
