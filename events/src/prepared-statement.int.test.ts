import type { MikroORM } from '@mikro-orm/postgresql';
import { PreparedStatement } from './prepared-statement';
import { createTestDatabase, openTestOrm, type TestDatabase } from './testing';

// The runtime's own statements: prepared once per connection, run in the caller's transaction.

describe('PreparedStatement', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  const insertNote = new PreparedStatement<{ id: number }>('test_insert_note', 'insert into note (body) values (?) returning id');

  beforeAll(async () => {
    db = await createTestDatabase('prepared');
    orm = await openTestOrm(db.url, { setupSql: ['create table note (id serial primary key, body text not null)'] });
  });

  afterAll(async () => {
    await orm.close();
    await db.drop();
  });

  it('runs in the transaction, returns its rows, and is prepared once on the connection however often it runs', async () => {
    const { ids, prepared } = await orm.em.fork().transactional(async (em) => {
      const first = await insertNote.run(em, ['first']);
      const second = await insertNote.run(em, ['second']);
      const statements = await em
        .getConnection()
        .execute<{ statement: string }[]>(
          `select statement from pg_prepared_statements where name = 'test_insert_note'`,
          [],
          'all',
          em.getTransactionContext(),
        );
      return { ids: [...first, ...second].map((r) => r.id), prepared: statements };
    });
    expect(ids).toHaveLength(2);
    expect(prepared).toHaveLength(1);
    expect(prepared[0].statement).toContain('insert into note');
  });

  it('is undone with its transaction', async () => {
    await expect(
      orm.em.fork().transactional(async (em) => {
        await insertNote.run(em, ['rolled back']);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const rows = await orm.em.getConnection().execute(`select body from note where body = 'rolled back'`);
    expect(rows).toEqual([]);
  });

  it('refuses to run outside a transaction', async () => {
    await expect(insertNote.run(orm.em.fork(), ['alone'])).rejects.toThrow('test_insert_note runs inside a transaction');
  });
});
