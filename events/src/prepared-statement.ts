import type { EntityManager } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/postgresql';

/**
 * A statement the runtime runs in every transaction (the outbox insert, the inbox insert), run as
 * a named prepared statement: PostgreSQL parses and plans it once per connection instead of every
 * time. It goes straight to the transaction's knex, because MikroORM's `execute` writes the
 * parameters into the text, which makes every call a new statement. MikroORM's query log does not
 * show it. A connection pooler between the services and PostgreSQL would have to keep prepared
 * statements per server connection (PgBouncer does from 1.21 on, with max_prepared_statements).
 */
export class PreparedStatement<Row = unknown> {
  constructor(
    /** Unique per text: a connection refuses a second text under a name it has prepared. */
    readonly name: string,
    /** With `?` placeholders, as knex takes them. */
    readonly text: string,
  ) {}

  /** Runs it in the entity manager's transaction; resolves with the rows it returns. */
  async run(em: EntityManager, values: unknown[]): Promise<Row[]> {
    const trx = em.getTransactionContext<Knex.Transaction>();
    if (!trx) throw new Error(`${this.name} runs inside a transaction`);
    const result: { rows: Row[] } = await trx.raw(this.text, values as Knex.RawBinding[]).options({ name: this.name });
    return result.rows;
  }
}
