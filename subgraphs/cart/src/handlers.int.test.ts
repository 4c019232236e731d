import { randomUUID } from 'node:crypto';
import {
  OrderCreated,
  ProductDeactivated,
  ProductPriceChanged,
  ProductReactivated,
  SEVEN_DAYS_MS,
  deleteExpiredMessageRecords,
} from '@shop/events';
import { deliver, waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, customer, startInMemorySubgraph } from '@shop/platform/src/testing';
import { Cart } from './entities/cart.entity';
import { CartLine } from './entities/cart-line.entity';
import { CheckedOutOrder } from './entities/checked-out-order.entity';
import { ProductActivation } from './entities/product-activation.entity';
import { deleteExpiredCheckedOutOrders } from './retention';
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

  const processed = (eventId: string) =>
    waitFor(
      async () =>
        (await cart.service.orm.em.fork().getConnection().execute('select 1 from processed_events where event_id = ?', [eventId]))
          .length === 1,
      { what: `event ${eventId} processed` },
    );

  it('follows the newer of a deactivation and a reactivation, whichever arrives late, once each', async () => {
    await cartHolding('mem-2', [{ sku: 'MEM-C', quantity: 2 }]);
    const reactivated = await cart.send(ProductReactivated, { sku: 'MEM-C' }, { source: 'product-service', sequence: 7 });
    await cart.send(ProductReactivated, { sku: 'MEM-C' }, { source: 'product-service', sequence: 7 }); // the same change again
    const late = await cart.send(ProductDeactivated, { sku: 'MEM-C' }, { source: 'product-service', sequence: 6 });
    await processed(reactivated.eventId);
    await processed(late.eventId);
    expect(await linesOf('mem-2')).toEqual([{ sku: 'MEM-C', unitPrice: { amount: '10.00' } }]);
    expect(await cart.service.orm.em.fork().findOne(ProductActivation, { sku: 'MEM-C' })).toEqual({
      sku: 'MEM-C',
      active: true,
      sequence: 7,
    });

    const deactivated = await cart.send(ProductDeactivated, { sku: 'MEM-C' }, { source: 'product-service', sequence: 8 });
    await processed(deactivated.eventId);
    expect(await linesOf('mem-2')).toEqual([]);
    expect(await cart.service.orm.em.fork().findOne(ProductActivation, { sku: 'MEM-C' })).toEqual({
      sku: 'MEM-C',
      active: false,
      sequence: 8,
    });
  });

  it('deletes checked-out orders past the retention, and a late duplicate OrderCreated after that takes nothing', async () => {
    await cartHolding('mem-3', [{ sku: 'MEM-D', quantity: 3 }]);
    const orderCreated = (orderId: string) => ({
      orderId,
      checkoutId: randomUUID(),
      customerId: 'mem-3',
      email: null,
      lines: [{ sku: 'MEM-D', quantity: 3, unitPrice: '10.00' }],
      total: '30.00',
      currency: 'GBP',
      paymentRef: 'pay-mem-3',
    });
    const [oldOrder, recentOrder] = [randomUUID(), randomUUID()];
    const created = await cart.send(OrderCreated, orderCreated(oldOrder), { source: 'order-service', sequence: 1 });
    await processed(created.eventId);
    expect(await linesOf('mem-3')).toEqual([]);
    const recent = await cart.send(OrderCreated, orderCreated(recentOrder), { source: 'order-service', sequence: 1 });
    await processed(recent.eventId);

    // A week and a day later: the customer has added the product again; the inbox and the record forget the old order.
    // Time is moved by dating everything of the old order a week and a day back.
    const em = cart.service.orm.em.fork();
    em.create(CartLine, { customerId: 'mem-3', sku: 'MEM-D', quantity: 3, unitPrice: '10.00', currency: 'GBP', priceSequence: 1 });
    await em.flush();
    const connection = cart.service.orm.em.getConnection();
    const eightDaysAgo = new Date(Date.now() - SEVEN_DAYS_MS - 24 * 60 * 60 * 1000);
    await connection.execute('update checked_out_orders set updated_at = ? where order_id = ?', [eightDaysAgo, oldOrder]);
    await connection.execute('update processed_events set processed_at = ? where event_id = ?', [eightDaysAgo, created.eventId]);
    await deleteExpiredMessageRecords(cart.service.orm, SEVEN_DAYS_MS);
    expect(await deleteExpiredCheckedOutOrders(cart.service.orm.em)).toBe(1);
    const left = await cart.service.orm.em.fork().find(CheckedOutOrder, { orderId: { $in: [oldOrder, recentOrder] } });
    expect(left.map((row) => row.orderId)).toEqual([recentOrder]);

    // The old OrderCreated delivered once more: nothing recognises it any longer, and its age keeps it harmless.
    await deliver(cart.service.transport, OrderCreated, { ...created, timestamp: eightDaysAgo.toISOString() });
    await processed(created.eventId);
    expect(await linesOf('mem-3')).toEqual([{ sku: 'MEM-D', unitPrice: { amount: '10.00' } }]);
    expect(await cart.service.orm.em.fork().findOne(CheckedOutOrder, { orderId: oldOrder })).toBeNull();
  });
});
