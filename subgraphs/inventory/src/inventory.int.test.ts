import { randomUUID } from 'node:crypto';
import { ConfirmStock, type Envelope, type MessageContract, Outbox, ProductCreated, ReleaseStock, ReserveStock } from '@shop/events';
import { deliver, waitFor } from '@shop/events/src/testing';
import type { SubgraphHandles } from '@shop/platform';
import { type TestSubgraph, admin, customer, startTestSubgraph } from '@shop/platform/src/testing';
import { Reservation } from './entities/reservation.entity';
import { startInventoryService } from './subgraph';

// Commands arrive as the checkout saga sends them (from checkout-service, straight onto the broker);
// what inventory publishes is watched on an exclusive queue bound to its events.

const checkout = new Outbox('checkout-service');
const catalogue = new Outbox('product-service');
const INVENTORY_EVENTS = ['StockReserved', 'StockReservationFailed', 'StockReleased', 'StockConfirmed', 'LowStockAlert'];

type StockLevel = { available: number; reserved: number; sold: number; lowStockThreshold: number };

describe('inventory subgraph', () => {
  let inventory: TestSubgraph;
  const published: Envelope<Record<string, unknown>>[] = [];

  beforeAll(async () => {
    inventory = await startTestSubgraph('inventory', startInventoryService);
    await inventory.service.transport.consume(
      {
        name: `watch-inventory-${randomUUID().slice(0, 8)}`,
        bindings: INVENTORY_EVENTS.map((routingKey) => ({ exchange: 'inventory-events', routingKey })),
        retryDelaysMs: [],
        exclusive: true,
      },
      (delivery) => {
        published.push(JSON.parse(delivery.body.toString()));
        void delivery.ack();
      },
    );
  });

  afterAll(async () => {
    await inventory.stop();
  });

  const sku = (label = 'SKU') => `${label}-${randomUUID().slice(0, 8)}`;
  const inFuture = () => new Date(Date.now() + 60_000);

  const send = (contract: MessageContract, ...envelopes: Envelope[]) => deliver(inventory.service.transport, contract, ...envelopes);

  const stockOf = async (s: string): Promise<StockLevel | null> => {
    const result = await inventory.query<{ _entities: { stock: StockLevel | null }[] }>(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stock { available reserved sold lowStockThreshold } } } }`,
      { r: [{ __typename: 'Product', sku: s }] },
    );
    return result.data?._entities[0].stock ?? null;
  };

  const eventsOf = (type: string, match: (data: Record<string, unknown>) => boolean) =>
    published.filter((e) => e.eventType === type && match(e.data));
  const forReservation = (type: string, reservationId: string) => eventsOf(type, (d) => d.reservationId === reservationId);

  /**
   * The consumer applies messages in order, so once a later command's event is out, every earlier
   * one was handled. Their events may be published in another order (the relay publishes aggregates
   * side by side): once the outbox is empty, a second sentinel comes after all of them.
   */
  async function settled() {
    const sentinel = async () => {
      const reservationId = randomUUID();
      await send(ReleaseStock, checkout.envelope(ReleaseStock, { reservationId, orderId: randomUUID() }, { sequence: 1 }));
      await waitFor(() => forReservation('StockReleased', reservationId).length === 1, { what: 'the sentinel release' });
    };
    await sentinel();
    const connection = inventory.service.orm.em.getConnection();
    await waitFor(async () => (await connection.execute('select 1 from outbox where sent_at is null limit 1')).length === 0, {
      what: 'an empty outbox',
    });
    await sentinel();
  }

  /** A product as the catalogue announces it, then counted by an admin. */
  async function stocked(available: number, lowStockThreshold?: number, label?: string): Promise<string> {
    const s = sku(label);
    await send(
      ProductCreated,
      catalogue.envelope(ProductCreated, { sku: s, name: 'Thing', description: null, price: '1.00', currency: 'GBP' }, { sequence: 1 }),
    );
    await waitFor(() => stockOf(s), { what: `the stock row of ${s}` });
    const result = await inventory.query(
      `mutation ($sku: ID!, $available: Int!, $threshold: Int) { setStock(sku: $sku, available: $available, lowStockThreshold: $threshold) { available } }`,
      { sku: s, available, threshold: lowStockThreshold },
      admin,
    );
    expect(result.errors).toBeUndefined();
    return s;
  }

  const reserve = (reservationId: string, lines: { sku: string; quantity: number }[], notAfter = inFuture()) =>
    checkout.envelope(
      ReserveStock,
      { reservationId, orderId: randomUUID(), customerId: 'c-1', lines },
      { sequence: 1, correlationId: reservationId, notAfter },
    );

  const reservationRow = (id: string) => inventory.service.orm.em.fork().findOne(Reservation, { id });

  it('creates an empty stock row for a new product, once', async () => {
    const s = sku();
    const created = catalogue.envelope(
      ProductCreated,
      { sku: s, name: 'Lamp', description: null, price: '10.00', currency: 'GBP' },
      { sequence: 1 },
    );
    await send(ProductCreated, created, created);
    await send(ProductCreated, catalogue.envelope(ProductCreated, created.data, { sequence: 1 }));
    await waitFor(() => stockOf(s), { what: 'the stock row' });
    await settled();
    expect(await stockOf(s)).toEqual({ available: 0, reserved: 0, sold: 0, lowStockThreshold: 5 });
  });

  it('resolves the stock of fifty product references in one query, and null for a product it has not heard of', async () => {
    const skus = await Promise.all([1, 2].map(() => stocked(7)));
    const representations = Array.from({ length: 50 }, (_, i) => ({ __typename: 'Product', sku: i < 2 ? skus[i] : `UNKNOWN-${i}` }));
    const driver = inventory.service.orm.em.getDriver();
    const find = jest.spyOn(driver, 'find');
    try {
      const result = await inventory.query<{ _entities: ({ sku: string; stock: { available: number } | null } | null)[] }>(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { sku stock { available } } } }`,
        { r: representations },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data?._entities.slice(0, 3)).toEqual([
        { sku: skus[0], stock: { available: 7 } },
        { sku: skus[1], stock: { available: 7 } },
        { sku: 'UNKNOWN-2', stock: null },
      ]);
      expect(result.data?._entities).toHaveLength(50);
      expect(find).toHaveBeenCalledTimes(1);
    } finally {
      find.mockRestore();
    }
  });

  describe('setStock', () => {
    const setStock = `mutation ($sku: ID!, $available: Int!, $threshold: Int) {
      setStock(sku: $sku, available: $available, lowStockThreshold: $threshold) { available reserved sold lowStockThreshold }
    }`;

    it('sets available and the threshold as admin, keeping the threshold when omitted', async () => {
      const s = await stocked(3);
      expect((await inventory.query(setStock, { sku: s, available: 12, threshold: 2 }, admin)).data).toEqual({
        setStock: { available: 12, reserved: 0, sold: 0, lowStockThreshold: 2 },
      });
      expect((await inventory.query(setStock, { sku: s, available: 20 }, admin)).data).toEqual({
        setStock: { available: 20, reserved: 0, sold: 0, lowStockThreshold: 2 },
      });
    });

    it('is refused to customers (FORBIDDEN) and anonymous callers (UNAUTHENTICATED)', async () => {
      const s = await stocked(3);
      expect((await inventory.query(setStock, { sku: s, available: 99 }, customer('c-1'))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect((await inventory.query(setStock, { sku: s, available: 99 }, null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect((await stockOf(s))?.available).toBe(3);
    });

    it('gives NOT_FOUND for an unknown SKU', async () => {
      const result = await inventory.query(setStock, { sku: 'NOPE-404', available: 1 }, admin);
      expect(result.errors?.[0]).toMatchObject({ message: 'product NOPE-404 not found', extensions: { code: 'NOT_FOUND' } });
    });

    it.each([
      [{ available: -1 }, 'available: must not be negative'],
      [{ available: 1_000_001 }, 'available: must be at most 1000000'],
      [{ available: 1, threshold: -5 }, 'lowStockThreshold: must not be negative'],
      [{ available: 1, threshold: 1_000_001 }, 'lowStockThreshold: must be at most 1000000'],
    ])('refuses %j with BAD_USER_INPUT and changes nothing', async (args, message) => {
      const s = await stocked(3);
      const result = await inventory.query(setStock, { sku: s, ...args }, admin);
      expect(result.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
      expect(await stockOf(s)).toEqual({ available: 3, reserved: 0, sold: 0, lowStockThreshold: 5 });
    });
  });

  describe('stock commands', () => {
    it('reserves once for a ReserveStock sent twice, and once more under a new event id', async () => {
      const s = await stocked(10);
      const reservationId = randomUUID();
      const command = reserve(reservationId, [
        { sku: s, quantity: 2 },
        { sku: s, quantity: 1 },
      ]);
      await send(ReserveStock, command, command);
      await send(ReserveStock, checkout.envelope(ReserveStock, command.data, { sequence: 1, notAfter: inFuture() }));
      await settled();
      expect(await stockOf(s)).toMatchObject({ available: 7, reserved: 3, sold: 0 });
      const reserved = forReservation('StockReserved', reservationId);
      expect(reserved).toHaveLength(1);
      expect(reserved[0]).toMatchObject({ source: 'inventory-service', correlationId: reservationId, sequence: 1 });
      expect(reserved[0].data).toEqual({
        reservationId,
        orderId: command.data.orderId,
        customerId: 'c-1',
        lines: [{ sku: s, quantity: 3 }],
      });
    });

    it('refuses an expired ReserveStock without any effect', async () => {
      const s = await stocked(10);
      const reservationId = randomUUID();
      await send(ReserveStock, reserve(reservationId, [{ sku: s, quantity: 4 }], new Date(Date.now() - 1_000)));
      await settled();
      expect(await stockOf(s)).toMatchObject({ available: 10, reserved: 0 });
      expect(await reservationRow(reservationId)).toBeNull();
      expect(published.filter((e) => e.data.reservationId === reservationId)).toEqual([]);
    });

    it('releases once for a ReleaseStock sent twice', async () => {
      const s = await stocked(10);
      const reservationId = randomUUID();
      const command = reserve(reservationId, [{ sku: s, quantity: 4 }]);
      await send(ReserveStock, command);
      await waitFor(() => forReservation('StockReserved', reservationId).length === 1, { what: 'StockReserved' });
      const release = checkout.envelope(ReleaseStock, { reservationId, orderId: command.data.orderId }, { sequence: 2 });
      await send(ReleaseStock, release, release);
      await send(ReleaseStock, checkout.envelope(ReleaseStock, release.data, { sequence: 2 }));
      await settled();
      expect(await stockOf(s)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      const released = forReservation('StockReleased', reservationId);
      expect(released.map((e) => [e.data.lines, e.sequence])).toEqual([[[{ sku: s, quantity: 4 }], 2]]);
      expect((await reservationRow(reservationId))?.status).toBe('RELEASED');
    });

    it('confirms once for a ConfirmStock sent twice: reserved units become sold', async () => {
      const s = await stocked(10);
      const reservationId = randomUUID();
      const command = reserve(reservationId, [{ sku: s, quantity: 4 }]);
      await send(ReserveStock, command);
      await waitFor(() => forReservation('StockReserved', reservationId).length === 1, { what: 'StockReserved' });
      const confirm = checkout.envelope(ConfirmStock, { reservationId, orderId: command.data.orderId }, { sequence: 2 });
      await send(ConfirmStock, confirm, confirm);
      await send(ConfirmStock, checkout.envelope(ConfirmStock, confirm.data, { sequence: 2 }));
      await settled();
      expect(await stockOf(s)).toMatchObject({ available: 6, reserved: 0, sold: 4 });
      expect(forReservation('StockConfirmed', reservationId).map((e) => e.data.lines)).toEqual([[{ sku: s, quantity: 4 }]]);
      // A release after the sale gives nothing back.
      await send(ReleaseStock, checkout.envelope(ReleaseStock, confirm.data, { sequence: 3 }));
      await settled();
      expect(await stockOf(s)).toMatchObject({ available: 6, reserved: 0, sold: 4 });
      expect(forReservation('StockReleased', reservationId)).toEqual([]);
    });

    it('reserves nothing for a ReserveStock that arrives after its ReleaseStock', async () => {
      const s = await stocked(10);
      const reservationId = randomUUID();
      const orderId = randomUUID();
      await send(ReleaseStock, checkout.envelope(ReleaseStock, { reservationId, orderId }, { sequence: 2 }));
      await waitFor(() => forReservation('StockReleased', reservationId).length === 1, { what: 'StockReleased' });
      expect(forReservation('StockReleased', reservationId)[0].data.lines).toEqual([]);
      await send(ReserveStock, reserve(reservationId, [{ sku: s, quantity: 4 }]));
      await settled();
      expect(await stockOf(s)).toMatchObject({ available: 10, reserved: 0 });
      expect(forReservation('StockReserved', reservationId)).toEqual([]);
      expect((await reservationRow(reservationId))?.status).toBe('RELEASED');
    });

    it('reserves all lines or none, naming each short SKU with what was requested and what is available', async () => {
      const plenty = await stocked(10);
      const scarce = await stocked(2);
      const unknown = sku('UNKNOWN');
      const reservationId = randomUUID();
      const command = reserve(reservationId, [
        { sku: plenty, quantity: 5 },
        { sku: scarce, quantity: 3 },
        { sku: unknown, quantity: 1 },
      ]);
      await send(ReserveStock, command);
      await waitFor(() => forReservation('StockReservationFailed', reservationId).length === 1, { what: 'StockReservationFailed' });
      const [failed] = forReservation('StockReservationFailed', reservationId);
      expect(failed.data.shortSkus).toEqual(
        expect.arrayContaining([
          { sku: scarce, requested: 3, available: 2 },
          { sku: unknown, requested: 1, available: 0 },
        ]),
      );
      expect(failed.data.shortSkus).toHaveLength(2);
      expect(failed.data.reason).toContain(scarce);
      expect(await stockOf(plenty)).toMatchObject({ available: 10, reserved: 0 });
      expect(await stockOf(scarce)).toMatchObject({ available: 2, reserved: 0 });
      // The refusal is final for this reservation, even once stock arrives.
      await inventory.query(`mutation { setStock(sku: "${scarce}", available: 50) { available } }`, {}, admin);
      await send(ReserveStock, checkout.envelope(ReserveStock, command.data, { sequence: 1, notAfter: inFuture() }));
      await settled();
      expect(forReservation('StockReserved', reservationId)).toEqual([]);
    });

    it('publishes LowStockAlert when available falls below the threshold, once per crossing', async () => {
      const s = await stocked(10, 5);
      const lowAlerts = () => eventsOf('LowStockAlert', (d) => d.sku === s);
      await send(ReserveStock, reserve(randomUUID(), [{ sku: s, quantity: 5 }]));
      await settled();
      expect(lowAlerts()).toEqual([]);
      await send(ReserveStock, reserve(randomUUID(), [{ sku: s, quantity: 1 }]));
      await waitFor(() => lowAlerts().length === 1, { what: 'LowStockAlert' });
      expect(lowAlerts()[0].data).toEqual({ sku: s, currentQuantity: 4, threshold: 5 });
      await send(ReserveStock, reserve(randomUUID(), [{ sku: s, quantity: 1 }]));
      await settled();
      expect(lowAlerts()).toHaveLength(1);
    });

    it('never oversells nor deadlocks when two instances reserve the same SKUs in opposite orders', async () => {
      const [a, b] = [await stocked(10), await stocked(10)];
      const second: SubgraphHandles = await startInventoryService({
        config: { port: 0, databaseUrl: inventory.service.config.databaseUrl, queuePrefix: inventory.prefix },
      });
      try {
        const ids = Array.from({ length: 30 }, () => randomUUID());
        await send(
          ReserveStock,
          ...ids.map((id, i) =>
            reserve(
              id,
              i % 2
                ? [
                    { sku: a, quantity: 1 },
                    { sku: b, quantity: 1 },
                  ]
                : [
                    { sku: b, quantity: 1 },
                    { sku: a, quantity: 1 },
                  ],
            ),
          ),
        );
        const decided = () =>
          ids.filter((id) => forReservation('StockReserved', id).length + forReservation('StockReservationFailed', id).length > 0);
        await waitFor(() => decided().length === ids.length, { what: 'every reservation decided', timeoutMs: 30_000 });
        expect(ids.filter((id) => forReservation('StockReserved', id).length === 1)).toHaveLength(10);
        expect(await stockOf(a)).toMatchObject({ available: 0, reserved: 10 });
        expect(await stockOf(b)).toMatchObject({ available: 0, reserved: 10 });
      } finally {
        await second.stop();
      }
    });
  });
});
