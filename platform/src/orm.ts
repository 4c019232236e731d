import { type EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { MigrationObject } from '@mikro-orm/core';
import { messagingEntities, messagingMigrations, messagingSubscribers } from '@shop/events';
import { Client } from 'pg';

export interface OrmOptions {
  databaseUrl: string;
  entities: EntitySchema[];
  migrations: MigrationObject[];
  poolMax: number;
}

/**
 * The service's own database: created if missing, migrated to the latest version (the messaging
 * tables first, then the service's own), with a small pool: one PostgreSQL serves every service.
 */
export async function openDatabase(options: OrmOptions): Promise<MikroORM> {
  await createDatabaseIfMissing(options.databaseUrl);
  const orm = await MikroORM.init({
    clientUrl: options.databaseUrl,
    entities: [...messagingEntities, ...options.entities],
    subscribers: messagingSubscribers,
    extensions: [Migrator],
    migrations: { migrationsList: [...messagingMigrations, ...options.migrations], transactional: true, silent: true },
    pool: { min: 0, max: options.poolMax },
    allowGlobalContext: false,
    debug: false,
  });
  await migrateExclusively(orm, options.databaseUrl, options.poolMax);
  return orm;
}

async function createDatabaseIfMissing(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`create database "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // another instance created it first
      });
    }
  } finally {
    await client.end();
  }
}

const MIGRATION_LOCK = "hashtext('schema-migrations')";

/**
 * Two instances starting at once must not both apply a migration: hold an advisory lock meanwhile,
 * on a connection of its own. A pool of one connection (for a server that takes one, like embedded
 * PostgreSQL) has none to spare: then the lock is held on that connection, which the migrations use too.
 */
async function migrateExclusively(orm: MikroORM, databaseUrl: string, poolMax: number): Promise<void> {
  if (poolMax === 1) {
    const connection = orm.em.getConnection();
    await connection.execute(`select pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      await orm.migrator.up();
    } finally {
      await connection.execute(`select pg_advisory_unlock(${MIGRATION_LOCK})`);
    }
    return;
  }
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query(`select pg_advisory_lock(${MIGRATION_LOCK})`);
    await orm.migrator.up();
  } finally {
    await lock.end();
  }
}
