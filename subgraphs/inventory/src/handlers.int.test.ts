import { randomUUID } from 'node:crypto';
import { ProductCreated, ReleaseStock, ReserveStock, StockReleased, StockReserved } from '@shop/events';
import { waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, admin, startInMemorySubgraph } from '@shop/platform/src/testing';
import { startInventoryService } from './subgraph';

// Inventory's handlers and resolvers on the in-memory transport: messages in, stock and events out.

describe('inventory on the in-memory transport', () => {
  let inventory: TestSubgraph;

  beforeAll(async () => {
    inventory = await startInMemorySubgraph('inventory_mem', startInventoryService);
  });

  afterAll(async () => {
    await inventory?.stop();
  });

  const stock = async (sku: string) =>
    (
      await inventory.query<{ _entities: ({ stock: { available: number; reserved: number } } | null)[] }>(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stock { available reserved } } } }`,
        { r: [{ __typename: 'Product', sku }] },
      )
    ).data?._entities[0]?.stock;

  it('creates a stock row on ProductCreated, reserves on ReserveStock and releases on ReleaseStock', async () => {
    const events = await inventory.watch(StockReserved, StockReleased);
    const sku = `MEM-${randomUUID().slice(0, 8)}`;
    await inventory.send(
      ProductCreated,
      { sku, name: 'x', description: null, price: '1.00', currency: 'GBP' },
      { source: 'product-service', sequence: 1 },
    );
    await waitFor(async () => (await stock(sku)) != null, { what: 'the stock row' });
    const stocked = await inventory.query(`mutation { setStock(sku: "${sku}", available: 5) { available } }`, {}, admin);
    expect(stocked.errors).toBeUndefined();

    const reservationId = randomUUID();
    const orderId = randomUUID();
    const reserve = { reservationId, orderId, customerId: 'c-1', lines: [{ sku, quantity: 2 }] };
    const options = { source: 'checkout-service', sequence: 1, notAfter: new Date(Date.now() + 60_000) };
    await inventory.send(ReserveStock, reserve, options);
    await inventory.send(ReserveStock, reserve, { ...options, sequence: 2 });
    await waitFor(() => events.some((e) => e.eventType === 'StockReserved'), { what: 'StockReserved' });
    expect(await stock(sku)).toEqual({ available: 3, reserved: 2 });

    await inventory.send(ReleaseStock, { reservationId, orderId }, { source: 'checkout-service', sequence: 3 });
    await waitFor(() => events.some((e) => e.eventType === 'StockReleased'), { what: 'StockReleased' });
    expect(await stock(sku)).toEqual({ available: 5, reserved: 0 });
    expect(events.map((e) => e.eventType)).toEqual(['StockReserved', 'StockReleased']);
  });
});
