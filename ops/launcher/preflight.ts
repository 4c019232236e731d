import amqplib from 'amqplib';
import { redactCredentials } from '@shop/events';
import { Client } from 'pg';

export interface Reachability {
  what: string;
  where: string;
  ok: boolean;
  error?: string;
}

/** Can we reach PostgreSQL (the server holding every service's database) and RabbitMQ? */
export async function checkInfrastructure(databaseUrl: string, amqpUrl: string): Promise<Reachability[]> {
  const server = new URL(databaseUrl);
  server.pathname = '/postgres';
  const postgres = async (): Promise<Reachability> => {
    const client = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return { what: 'PostgreSQL', where: server.host, ok: true };
    } catch (err) {
      return { what: 'PostgreSQL', where: server.host, ok: false, error: (err as Error).message || String(err) };
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const rabbitmq = async (): Promise<Reachability> => {
    try {
      const connection = await amqplib.connect(amqpUrl, { timeout: 3_000 });
      await connection.close();
      return { what: 'RabbitMQ', where: redactCredentials(amqpUrl), ok: true };
    } catch (err) {
      return { what: 'RabbitMQ', where: redactCredentials(amqpUrl), ok: false, error: (err as Error).message || String(err) };
    }
  };
  return Promise.all([postgres(), rabbitmq()]);
}

export function explainUnreachable(failures: Reachability[]): string {
  const lines = failures.map((f) => `  - ${f.what} is not reachable at ${f.where} (${f.error})`);
  return [
    'Cannot start the system:',
    ...lines,
    '',
    'What to do:',
    '  - start them on this machine:',
    '      pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    '      rabbitmq-server -detached',
    '  - or run them in containers: docker compose up -d postgres rabbitmq',
    '  - or point DATABASE_URL / AMQP_URL at where they run',
    '  - or, with nothing installed but Node, run the whole system in one process on embedded PostgreSQL',
    '    and an in-process broker (for trying it out; it says what it does not promise): npm run start:embedded',
  ].join('\n');
}
