import { randomUUID } from 'node:crypto';
import { ConfirmStock, ProductCreated, ReleaseStock, ReserveStock, SEVEN_DAYS_MS, StockReleased } from '@shop/events';
import { waitFor } from '@shop/events/src/testing';
import { type TestSubgraph, admin, startInMemorySubgraph } from '@shop/platform/src/testing';
import { Reservation } from './entities/reservation.entity';
import { deleteFinishedReservations } from './retention';
import { startInventoryService } from './subgraph';
import { stockOf } from './testing';

// Retention of finished reservations on the in-memory transport: what is deleted, what is kept,
// and late duplicate commands after the cleanup.

describe('inventory reservation retention', () => {
  let inventory: TestSubgraph;

  beforeAll(async () => {
    inventory = await startInMemorySubgraph('inventory_ret', startInventoryService);
  });

  afterAll(async () => {
    await inventory?.stop();
  });

  const stock = (sku: string) => stockOf(inventory, sku);
  const statusOf = async (id: string) => (await inventory.service.orm.em.fork().findOne(Reservation, { id }))?.status;
  const checkout = { source: 'checkout-service', sequence: 1 };

  it('deletes finished reservations past the window, keeps held and recent ones, and late duplicates move no units', async () => {
    const sku = `RET-${randomUUID().slice(0, 8)}`;
    await inventory.send(
      ProductCreated,
      { sku, name: 'x', description: null, price: '1.00', currency: 'GBP' },
      { source: 'product-service', sequence: 1 },
    );
    await waitFor(async () => (await stock(sku)) != null, { what: 'the stock row' });
    expect((await inventory.query(`mutation { setStock(sku: "${sku}", available: 10) { available } }`, {}, admin)).errors).toBeUndefined();

    const [released, confirmed, held, recent] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const reserve = (reservationId: string) =>
      inventory.send(
        ReserveStock,
        { reservationId, orderId: randomUUID(), customerId: 'ret-1', lines: [{ sku, quantity: 1 }] },
        { ...checkout, notAfter: new Date(Date.now() + 60_000) },
      );
    for (const id of [released, confirmed, held, recent]) await reserve(id);
    await waitFor(async () => (await stock(sku))?.reserved === 4, { what: 'four reservations' });
    const orderOf = async (id: string) => (await inventory.service.orm.em.fork().findOneOrFail(Reservation, { id })).orderId;
    await inventory.send(ReleaseStock, { reservationId: released, orderId: await orderOf(released) }, checkout);
    await inventory.send(ConfirmStock, { reservationId: confirmed, orderId: await orderOf(confirmed) }, checkout);
    await inventory.send(ReleaseStock, { reservationId: recent, orderId: await orderOf(recent) }, checkout);
    await waitFor(async () => (await stock(sku))?.reserved === 1, { what: 'three settled' });
    expect(await stock(sku)).toEqual({ available: 8, reserved: 1 });

    // A week and a day later for all but `recent`.
    const eightDaysAgo = new Date(Date.now() - SEVEN_DAYS_MS - 24 * 60 * 60 * 1000);
    await inventory.service.orm.em
      .getConnection()
      .execute('update reservations set updated_at = ? where id in (?, ?, ?)', [eightDaysAgo, released, confirmed, held]);
    expect(await deleteFinishedReservations(inventory.service.orm.em)).toBe(2);
    expect([await statusOf(released), await statusOf(confirmed), await statusOf(held), await statusOf(recent)]).toEqual([
      undefined,
      undefined,
      'RESERVED',
      'RELEASED',
    ]);

    // Late duplicates after the cleanup: an expired ReserveStock is refused, a ReleaseStock leaves a mark holding nothing.
    const marks = await inventory.watch(StockReleased);
    await inventory.send(
      ReserveStock,
      { reservationId: released, orderId: randomUUID(), customerId: 'ret-1', lines: [{ sku, quantity: 1 }] },
      { ...checkout, notAfter: new Date(Date.now() - 1_000) },
    );
    await inventory.send(ReleaseStock, { reservationId: confirmed, orderId: randomUUID() }, checkout);
    await waitFor(() => marks.length === 1, { what: 'the empty release' });
    expect(marks[0].data).toEqual(expect.objectContaining({ reservationId: confirmed, lines: [] }));
    expect(await statusOf(released)).toBeUndefined();
    expect(await stock(sku)).toEqual({ available: 8, reserved: 1 });
  });
});
