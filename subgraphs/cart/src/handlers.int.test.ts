import { ProductDeactivated, ProductPriceChanged } from '@shop/events';
import { waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, customer, startInMemorySubgraph } from '@shop/platform/src/testing';
import { Cart } from './entities/cart.entity';
import { CartLine } from './entities/cart-line.entity';
import { startCartService } from './subgraph';

// Cart's handlers on the in-memory transport: product events change the carts holding the SKU.

describe('cart on the in-memory transport', () => {
  let cart: TestSubgraph;

  beforeAll(async () => {
    cart = await startInMemorySubgraph('cart_mem', startCartService);
  });

  afterAll(async () => {
    await cart?.stop();
  });

  async function cartHolding(customerId: string, lines: { sku: string; quantity: number }[]): Promise<void> {
    const em = cart.service.orm.em.fork();
    const now = new Date();
    em.create(Cart, { customerId, lastActiveAt: now, version: 1, updatedAt: now });
    await em.flush();
    for (const { sku, quantity } of lines)
      em.create(CartLine, { customerId, sku, quantity, unitPrice: '10.00', currency: 'GBP', priceSequence: 1 });
    await em.flush();
  }

  const linesOf = async (customerId: string) =>
    (
      await cart.query<{ myCart: { lines: { sku: string; unitPrice: { amount: string } }[] } }>(
        '{ myCart { lines { sku unitPrice { amount } } } }',
        {},
        customer(customerId),
      )
    ).data?.myCart.lines;

  it('follows a newer price, ignores an older one, and drops a deactivated product', async () => {
    await cartHolding('mem-1', [
      { sku: 'MEM-A', quantity: 1 },
      { sku: 'MEM-B', quantity: 2 },
    ]);
    await cart.send(
      ProductPriceChanged,
      { sku: 'MEM-A', oldPrice: '10.00', newPrice: '8.00', currency: 'GBP' },
      { source: 'product-service', sequence: 3 },
    );
    await cart.send(
      ProductPriceChanged,
      { sku: 'MEM-A', oldPrice: '10.00', newPrice: '9.00', currency: 'GBP' },
      { source: 'product-service', sequence: 2 },
    );
    await waitFor(async () => (await linesOf('mem-1'))?.find((l) => l.sku === 'MEM-A')?.unitPrice.amount === '8.00', {
      what: 'the new price',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await linesOf('mem-1'))?.find((l) => l.sku === 'MEM-A')?.unitPrice.amount).toBe('8.00');

    await cart.send(ProductDeactivated, { sku: 'MEM-B' }, { source: 'product-service', sequence: 4 });
    await waitFor(async () => (await linesOf('mem-1'))?.length === 1, { what: 'the line dropped' });
    expect(await linesOf('mem-1')).toEqual([{ sku: 'MEM-A', unitPrice: { amount: '8.00' } }]);
  });
});
