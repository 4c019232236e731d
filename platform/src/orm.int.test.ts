import type { MikroORM } from '@mikro-orm/postgresql';
import { type TestDatabase, createTestDatabase } from '@shop/events/src/testing';
import { openDatabase } from './orm';

// A pool of one connection (what a server that takes one, like embedded PostgreSQL, needs) holds
// the migration lock on that connection: instances starting at once still migrate exactly once.

describe('openDatabase with a pool of one connection', () => {
  let database: TestDatabase;
  const opened: MikroORM[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('orm_pool_of_one');
  });

  afterAll(async () => {
    for (const orm of opened) await orm.close();
    await database.drop();
  });

  it('migrates once when three instances start at once, and each holds one connection and no lock afterwards', async () => {
    const open = () => openDatabase({ databaseUrl: database.url, entities: [], migrations: [], poolMax: 1 });
    opened.push(...(await Promise.all([open(), open(), open()])));
    const connection = opened[0].em.getConnection();
    const applied: { name: string }[] = await connection.execute('select name from mikro_orm_migrations');
    expect(applied.length).toBeGreaterThan(0);
    expect(new Set(applied.map((row) => row.name)).size).toBe(applied.length);
    const [{ sessions }] = await connection.execute(
      'select count(*)::int as sessions from pg_stat_activity where datname = current_database()',
    );
    expect(sessions).toBe(3);
    const [{ locks }] = await connection.execute(
      "select count(*)::int as locks from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
    );
    expect(locks).toBe(0);
  });
});
