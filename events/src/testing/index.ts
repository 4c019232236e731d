import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { type EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import amqplib from 'amqplib';
import { Client } from 'pg';
import type { MessageContract } from '../contract';
import { exchangeOf } from '../contract';
import type { Envelope } from '../envelope';
import { messagingEntities, messagingSubscribers } from '../index';
import type { Transport } from '../transport/transport';
import { messagingMigrations } from '../migrations';

// Test support shared by the integration suites: every test gets its own database and its own
// queue prefix, and removes both afterwards, so the suite can run twice in a row.

export const TEST_DATABASE_SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export const uniqueName = (label: string): string => `${label}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = uniqueName(label).toLowerCase();
  await onServer(`create database "${name}"`);
  return {
    name,
    url: `${TEST_DATABASE_SERVER}/${name}`,
    drop: () => onServer(`drop database if exists "${name}" with (force)`),
  };
}

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** An ORM on a test database with the messaging tables migrated, plus whatever the test adds. */
export async function openTestOrm(url: string, options: { entities?: EntitySchema[]; setupSql?: string[] } = {}): Promise<MikroORM> {
  const orm = await MikroORM.init({
    clientUrl: url,
    entities: [...messagingEntities, ...(options.entities ?? [])],
    subscribers: messagingSubscribers,
    extensions: [Migrator],
    migrations: { migrationsList: messagingMigrations, transactional: true, silent: true },
    pool: { min: 0, max: 4 },
    debug: false,
    allowGlobalContext: false,
  });
  await orm.migrator.up();
  for (const sql of options.setupSql ?? []) await orm.em.getConnection().execute(sql);
  return orm;
}

/** The names of the broker's queues or exchanges that start with the prefix. */
export async function brokerObjectNames(kind: 'queues' | 'exchanges', prefix: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('rabbitmqctl', ['-q', '--no-table-headers', `list_${kind}`, 'name']);
  return stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.startsWith(prefix));
}

/** Deletes every queue and exchange whose name starts with the prefix. */
export async function deleteBrokerObjects(prefix: string): Promise<void> {
  if (!prefix) throw new Error('refusing to delete broker objects without a prefix');
  const [queues, exchanges] = await Promise.all([brokerObjectNames('queues', prefix), brokerObjectNames('exchanges', prefix)]);
  const connection = await amqplib.connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** Publishes raw bodies to exchanges under the prefix, as a broken or hostile sender would, and waits for the broker's confirms. */
export async function publishRaw(
  prefix: string,
  messages: { exchange: string; routingKey: string; body: string | Buffer }[],
): Promise<void> {
  const connection = await amqplib.connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    for (const { exchange, routingKey, body } of messages) {
      channel.publish(`${prefix}${exchange}`, routingKey, Buffer.from(body), { persistent: true, contentType: 'application/json' });
    }
    await channel.waitForConfirms();
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** Polls until the check passes (returns a truthy value) or the time is up. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Publishes envelopes as their sender would (commands as mandatory), and fails unless each was delivered. */
export async function deliver(transport: Transport, contract: MessageContract, ...envelopes: Envelope[]): Promise<void> {
  const results = await transport.publish(
    envelopes.map((envelope) => ({
      exchange: exchangeOf(contract),
      routingKey: contract.name,
      messageId: envelope.eventId,
      body: Buffer.from(JSON.stringify(envelope)),
      mandatory: contract.kind === 'command',
    })),
  );
  const failed = results.find((result) => !result.ok);
  if (failed && !failed.ok) throw new Error(`${contract.name} was not delivered: ${failed.error}`);
}
