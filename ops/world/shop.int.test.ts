import { type Server, createServer } from 'node:net';
import { createTestDatabase, TEST_DATABASE_SERVER, uniqueName } from '@shop/events/src/testing';
import { startProductService } from '@shop/product/src/subgraph';
import { databaseRows } from './requests';
import { startShop } from './shop';

// Starting fails cleanly: a port already taken makes a service or a whole shop fail at once, with
// every connection it opened closed again, so that nothing keeps a test run from exiting.

const SERVER = `${TEST_DATABASE_SERVER}/postgres`;

describe('starting on a port already taken', () => {
  let occupier: Server;
  let takenPort: number;

  beforeAll(async () => {
    occupier = createServer();
    await new Promise<void>((resolve) => occupier.listen(0, resolve));
    takenPort = (occupier.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => occupier.close(resolve));
  });

  it('a service fails with EADDRINUSE and closes its database connections', async () => {
    const db = await createTestDatabase('taken_port');
    try {
      await expect(
        startProductService({ config: { port: takenPort, databaseUrl: db.url, queuePrefix: `${uniqueName('taken_port')}.` } }),
      ).rejects.toThrow(/EADDRINUSE/);
      expect(await databaseRows(SERVER, `select count(*)::int as n from pg_stat_activity where datname = $1`, [db.name])).toEqual([
        { n: 0 },
      ]);
    } finally {
      await db.drop();
    }
  });

  it('a shop whose gateway cannot listen fails and removes the databases it created', async () => {
    const label = uniqueName('taken').toLowerCase();
    await expect(startShop({ label, gatewayPort: takenPort })).rejects.toThrow(/EADDRINUSE/);
    expect(await databaseRows(SERVER, `select datname from pg_database where datname like $1`, [`${label}%`])).toEqual([]);
  }, 60_000);
});
