import { randomUUID } from 'node:crypto';
import { ConfirmStock, ProductCreated, ReleaseStock, ReserveStock, StockLevelChanged, StockReleased, StockReserved } from '@shop/events';
import { waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, admin, startInMemorySubgraph } from '@shop/platform/src/testing';
import { startInventoryService } from './subgraph';
import { stockOf } from './testing';

// Inventory's handlers and resolvers on the in-memory transport: messages in, stock and events out.

describe('inventory on the in-memory transport', () => {
  let inventory: TestSubgraph;

  beforeAll(async () => {
    inventory = await startInMemorySubgraph('inventory_mem', startInventoryService);
  });

  afterAll(async () => {
    await inventory?.stop();
  });

  const stock = (sku: string) => stockOf(inventory, sku);

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

  it('publishes StockLevelChanged with the new counts on setStock and on every reservation, release and confirmation', async () => {
    const changes = await inventory.watch(StockLevelChanged);
    const sku = `LVL-${randomUUID().slice(0, 8)}`;
    const ofSku = () => changes.filter((e) => (e.data as { sku: string }).sku === sku);
    await inventory.send(
      ProductCreated,
      { sku, name: 'x', description: null, price: '1.00', currency: 'GBP' },
      { source: 'product-service', sequence: 1 },
    );
    await waitFor(async () => (await stock(sku)) != null, { what: 'the stock row' });
    await inventory.query(`mutation { setStock(sku: "${sku}", available: 10, lowStockThreshold: 2) { available } }`, {}, admin);
    const options = { source: 'checkout-service', sequence: 1, notAfter: new Date(Date.now() + 60_000) };
    const [kept, released] = [randomUUID(), randomUUID()];
    for (const reservationId of [kept, released])
      await inventory.send(
        ReserveStock,
        { reservationId, orderId: randomUUID(), customerId: 'c-1', lines: [{ sku, quantity: 3 }] },
        options,
      );
    await waitFor(() => ofSku().length === 3, { what: 'two reservations' });
    // Commands of different reservations may be applied side by side: one at a time, for a known order.
    await inventory.send(ReleaseStock, { reservationId: released, orderId: randomUUID() }, { source: 'checkout-service', sequence: 2 });
    await waitFor(() => ofSku().length === 4, { what: 'a release' });
    await inventory.send(ConfirmStock, { reservationId: kept, orderId: randomUUID() }, { source: 'checkout-service', sequence: 3 });
    await waitFor(() => ofSku().length === 5, { what: 'a confirmation' });
    expect(ofSku().map((e) => ({ ...(e.data as object), sequence: e.sequence }))).toEqual([
      { sku, available: 10, reserved: 0, sold: 0, lowStockThreshold: 2, sequence: 2 },
      { sku, available: 7, reserved: 3, sold: 0, lowStockThreshold: 2, sequence: 3 },
      { sku, available: 4, reserved: 6, sold: 0, lowStockThreshold: 2, sequence: 4 },
      { sku, available: 7, reserved: 3, sold: 0, lowStockThreshold: 2, sequence: 5 },
      { sku, available: 7, reserved: 0, sold: 3, lowStockThreshold: 2, sequence: 6 },
    ]);
  });
});
