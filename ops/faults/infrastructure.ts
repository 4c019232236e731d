import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { TEST_DATABASE_SERVER, waitFor } from '@shop/events/src/testing';
import { Client } from 'pg';

// The two faults that stop shared servers: RabbitMQ's application and the PostgreSQL cluster.
// Each brings its server back in a `finally`, whatever happened while it was down.

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `rabbitmqctl stop_app`, a pause, then `start_app`; resolves when the broker answers again. */
export async function stopRabbitMq(downForMs: number): Promise<void> {
  try {
    await run('rabbitmqctl', ['stop_app']);
    await sleep(downForMs);
  } finally {
    await run('rabbitmqctl', ['start_app']);
    await run('rabbitmqctl', ['await_startup']);
  }
}

/** The installed PostgreSQL major version, from /etc/postgresql (the newest if several). */
export function postgresVersion(): string {
  const versions = readdirSync('/etc/postgresql')
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL cluster under /etc/postgresql');
  return versions[0];
}

/** An immediate restart of the `main` cluster (no checkpoint, every connection dropped); resolves when it accepts connections. */
export async function restartPostgres(): Promise<void> {
  const version = postgresVersion();
  try {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart', '-m', 'immediate']);
  } finally {
    // A restart that failed half way may leave the cluster down: start it unless it runs.
    const running = await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'status']).then(
      () => true,
      () => false,
    );
    if (!running) await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
    await waitFor(acceptsConnections, { timeoutMs: 60_000, intervalMs: 250, what: 'PostgreSQL to accept connections' });
  }
}

async function acceptsConnections(): Promise<boolean> {
  const client = new Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}
