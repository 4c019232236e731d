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

// Door: the admin-only mutations refuse customers with FORBIDDEN and anonymous callers with
// UNAUTHENTICATED (or FORBIDDEN), through the gateway, with arguments an admin could use, and
// change nothing; the same calls as an admin go through.

describe('admin-only mutations', () => {
  let shop: Shop;
  let sku: string;
  let paid: CompletedCheckout;
  /** Every table once the setup has settled: a refused call must leave exactly this. */
  let untouched: Record<string, string>;
  const buyer = newCustomer('buyer');

  beforeAll(async () => {
    shop = await startShop({ label: 'sec_admin' });
    sku = await stockedProduct(shop, 10);
    paid = await completedCheckout(shop, buyer, sku);
    untouched = await settledDigest(shop);
  });

  afterAll(async () => {
    await shop?.close();
  });

  // In the order an admin can run them one after another.
  const mutations: [string, () => string][] = [
    ['createProduct', () => `mutation { createProduct(input: { sku: "${sku}-NEW", name: "New", price: "5.00" }) { sku } }`],
    ['updateProduct', () => `mutation { updateProduct(sku: "${sku}", input: { name: "Renamed" }) { name } }`],
    ['changePrice', () => `mutation { changePrice(sku: "${sku}", price: "11.00") { price { amount } } }`],
    ['deactivateProduct', () => `mutation { deactivateProduct(sku: "${sku}") { active } }`],
    ['reactivateProduct', () => `mutation { reactivateProduct(sku: "${sku}") { active } }`],
    ['setStock', () => `mutation { setStock(sku: "${sku}", available: 3) { available } }`],
    ['shipOrder', () => `mutation { shipOrder(id: "${paid.orderId}", trackingNumber: "TRACK-1") { status } }`],
    ['refundOrder', () => `mutation { refundOrder(id: "${paid.orderId}") { id } }`],
  ];

  const callers: [string, Identity | null, string[]][] = [
    ['a customer', newCustomer('intruder'), ['FORBIDDEN']],
    ['the order’s own customer', buyer, ['FORBIDDEN']],
    ['an anonymous caller', null, ['UNAUTHENTICATED', 'FORBIDDEN']],
  ];

  describe.each(callers)('%s', (_who, identity, allowed) => {
    it.each(mutations)('is refused %s, and nothing changes', async (_name, mutation) => {
      const result = await shop.query(mutation(), {}, identity);
      expect(result.data ?? null).toBeNull();
      expect(codesOf(result)).toHaveLength(1);
      expect(allowed).toContain(codesOf(result)[0]);
      expect(await databaseDigest(shop)).toEqual(untouched);
    });
  });

  it('lets an admin run every one of them (the refusals above were for the caller, not the arguments)', async () => {
    for (const [name, mutation] of mutations) {
      const result = await shop.query(mutation(), {}, securityAdmin);
      expect([name, result.errors]).toEqual([name, undefined]);
    }
  });
});
