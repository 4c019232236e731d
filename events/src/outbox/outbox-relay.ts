import type { MikroORM } from '@mikro-orm/postgresql';
import { Client, type QueryResult } from 'pg';
import type { Logger } from '../logger';
import type { MessagingMetrics } from '../metrics';
import { SpanKind, startSpanFrom } from '../tracing';
import type { OutboundMessage, Transport } from '../transport/transport';

export interface OutboxRelayOptions {
  orm: MikroORM;
  transport: Transport;
  logger: Logger;
  metrics: MessagingMetrics;
  /** The most rows one pass takes; a pass takes what is waiting and never waits to fill up. */
  maxBatch?: number;
  /** Fallback polling interval (1 s); LISTEN/NOTIFY wakes the relay at once on every insert. Without LISTEN, 250 ms. */
  pollIntervalMs?: number;
  /**
   * Off for a database server that serves one connection (embedded PostgreSQL): then it only polls.
   * Defaults to off when the ORM's pool holds a single connection, as it must for such a server.
   */
  listen?: boolean;
  /** Backoff of a row that failed to publish: min(base * 2^attempts, max). */
  failureBackoffMs?: { base: number; max: number };
  /**
   * Passes at once (default 2, 1 with a single-connection pool): the next pass takes what was
   * committed meanwhile while the previous one waits for its confirms. Each holds a connection.
   */
  concurrentPasses?: number;
}

interface OutboxRow {
  id: string;
  message_id: string;
  message_type: string;
  exchange: string;
  routing_key: string;
  mandatory: boolean;
  aggregate_key: string;
  /** The envelope as JSON text, published as is. */
  payload: string;
  headers: Record<string, string>;
  attempts: number;
}

// Takes the oldest pending rows nobody else holds, and among them only those with no older unsent
// row of the same aggregate outside the set (held by another relay, or waiting for a retry), so
// several relays can run at once and an aggregate's messages still leave in order.
// The pending rows are read in id order from the partial index, which stops after the limit; with
// a bitmap scan (the planner's pick when its statistics see few pending rows) every pass would read
// and sort all of them. Until a vacuum, the pending indexes keep an entry for every row sent since.
// The rows taken are the first available, unlocked ones, so an unsent row older than the newest of
// them and not among them is held elsewhere or waiting: `blocked` finds those in one range scan of
// the pending index. A probe of the aggregate index per row taken walked every entry of the
// aggregate's sent rows (a pass of 200 rows: about 10 ms of the database's CPU against 1.4).
// The transaction's start, the setting and the query go in one round trip, as one simple query,
// hence the limit written in.
const takePending = (limit: number) => `
  begin;
  set local enable_bitmapscan = off;
  with picked as (
    select id from outbox
    where sent_at is null and available_at <= now()
    order by id
    limit ${limit}
    for update skip locked
  ),
  blocked as (
    select aggregate_key, min(id) as first_id from outbox
    where sent_at is null and id < (select max(id) from picked) and id not in (select id from picked)
    group by aggregate_key
  )
  select o.id, o.message_id, o.message_type, o.exchange, o.routing_key, o.mandatory, o.aggregate_key, o.payload::text as payload, o.headers, o.attempts
  from outbox o
  where o.id in (select id from picked)
    and not exists (select 1 from blocked where blocked.aggregate_key = o.aggregate_key and blocked.first_id < o.id)
  order by o.id`;

/**
 * Publishes what the outbox holds, with publisher confirms, and marks it sent. One pass is one
 * transaction holding the rows' locks until the broker confirmed them; a crash before the commit
 * leaves them pending and they are published again (consumers drop the duplicate). Passes running
 * at once are as safe as several relays: each skips the rows another holds, and an aggregate's
 * row waits while an older one of it is held elsewhere.
 */
export class OutboxRelay {
  private readonly maxBatch: number;
  private readonly takePending: string;
  private readonly concurrentPasses: number;
  private listener?: Client;
  private poller?: NodeJS.Timeout;
  private readonly passes = new Set<Promise<void>>();
  /** A pass is taking its rows: the next one starts once they are locked, so it takes only what came after. */
  private taking = false;
  private wakeAgain = false;
  private stopped = true;

  constructor(private readonly options: OutboxRelayOptions) {
    this.maxBatch = options.maxBatch ?? 500;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new Error(`maxBatch must be a positive integer, not ${this.maxBatch}`);
    this.takePending = takePending(this.maxBatch);
    this.concurrentPasses = options.concurrentPasses ?? (options.orm.config.get('pool')?.max === 1 ? 1 : 2);
    if (!Number.isInteger(this.concurrentPasses) || this.concurrentPasses < 1) {
      throw new Error(`concurrentPasses must be a positive integer, not ${this.concurrentPasses}`);
    }
  }

  async start(): Promise<void> {
    this.stopped = false;
    const listen = this.options.listen ?? this.options.orm.config.get('pool')?.max !== 1;
    if (listen) await this.listen();
    this.poller = setInterval(() => this.wake(), this.options.pollIntervalMs ?? (listen ? 1_000 : 250));
    this.wake();
  }

  /** Stops taking new rows and waits for the passes in flight, so nothing is left half-published. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    while (this.passes.size > 0) await Promise.all(this.passes);
    // What is committed leaves now: a stopping instance leaves nothing waiting for the next start.
    await this.drain().catch((err: Error) =>
      this.options.logger.error({ err: err.message }, 'outbox relay could not publish everything before stopping; the next start will'),
    );
  }

  /** Runs passes until the outbox holds nothing publishable; resolves with how many were published. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const { taken, published } = await this.pass();
      total += published;
      if (taken < this.maxBatch) return total;
    }
  }

  wake(): void {
    if (this.stopped) return;
    if (this.taking || this.passes.size >= this.concurrentPasses) {
      this.wakeAgain = true;
      return;
    }
    this.wakeAgain = false;
    const pass = this.run().finally(() => {
      this.passes.delete(pass);
      if (this.wakeAgain) this.wake();
    });
    this.passes.add(pass);
  }

  private async run(): Promise<void> {
    this.taking = true;
    let holding = true;
    const taken = () => {
      if (!holding) return;
      holding = false;
      this.taking = false;
      if (this.wakeAgain) this.wake();
    };
    try {
      const { taken: count } = await this.pass(taken);
      if (count === this.maxBatch) this.wakeAgain = true;
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message }, 'outbox relay pass failed; will retry');
    } finally {
      taken();
    }
  }

  /**
   * Two round trips to the database, on a connection of the ORM's pool: the transaction starts
   * with the query taking the rows, and the marks end it. `onTaken` is called once the rows are locked.
   */
  private async pass(onTaken?: () => void): Promise<{ taken: number; published: number }> {
    const pool = this.options.orm.em.getConnection().getKnex().client;
    const connection: Client = await pool.acquireConnection();
    try {
      const results = (await connection.query(this.takePending)) as unknown as QueryResult<OutboxRow>[];
      const rows = results[results.length - 1].rows;
      onTaken?.();
      if (rows.length === 0) {
        await connection.query('commit');
        return { taken: 0, published: 0 };
      }
      const { published, failed } = await this.publishInOrder(rows);
      for (const { row, error } of failed) {
        const { base, max } = this.options.failureBackoffMs ?? { base: 1_000, max: 60_000 };
        const delayMs = Math.min(base * 2 ** row.attempts, max);
        await connection.query(
          `update outbox set attempts = attempts + 1, last_error = $1, available_at = now() + ($2 * interval '1 millisecond') where id = $3`,
          [error, delayMs, row.id],
        );
        this.options.metrics.publishFailures.inc({ exchange: row.exchange, event_type: row.message_type });
        this.options.logger.error(
          { messageId: row.message_id, eventType: row.message_type, attempts: row.attempts + 1, retryInMs: delayMs, err: error },
          'outbox message could not be published; will retry',
        );
      }
      // The commit need not wait for the disk: a mark lost in a database crash only publishes the
      // row again, and consumers drop the duplicate (inbox). Marks are lost from the newest back,
      // so an aggregate's messages are published again in their order.
      // The ids are the table's own bigints, so they can be written into the statement.
      const markSent =
        published.length > 0 ? `update outbox set sent_at = now() where id in (${published.map((r) => r.id).join(',')});` : '';
      await connection.query(`set local synchronous_commit = off; ${markSent} commit`);
      return { taken: rows.length, published: published.length };
    } catch (err) {
      await connection.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      await pool.releaseConnection(connection);
    }
  }

  /**
   * Publishes in waves: each wave holds at most one message per aggregate, and an aggregate whose
   * message failed sends nothing more this pass, so its messages never overtake one another.
   */
  private async publishInOrder(rows: OutboxRow[]): Promise<{ published: OutboxRow[]; failed: { row: OutboxRow; error: string }[] }> {
    const published: OutboxRow[] = [];
    const failed: { row: OutboxRow; error: string }[] = [];
    const halted = new Set<string>();
    let pending = rows;
    while (pending.length > 0) {
      const wave: OutboxRow[] = [];
      const later: OutboxRow[] = [];
      const inWave = new Set<string>();
      for (const row of pending) {
        if (halted.has(row.aggregate_key)) continue;
        if (inWave.has(row.aggregate_key)) later.push(row);
        else {
          inWave.add(row.aggregate_key);
          wave.push(row);
        }
      }
      const spans = wave.map((row) =>
        startSpanFrom(`publish ${row.message_type}`, SpanKind.PRODUCER, row.headers, {
          'messaging.system': 'rabbitmq',
          'messaging.destination.name': row.exchange,
          'messaging.message.id': row.message_id,
        }),
      );
      const results = await this.options.transport.publish(wave.map((row, i) => toOutbound(row, spans[i]?.headers)));
      results.forEach((result, i) => {
        const row = wave[i];
        spans[i]?.end(result.ok ? undefined : result.error);
        if (result.ok) {
          published.push(row);
          this.options.metrics.published.inc({ exchange: row.exchange, event_type: row.message_type });
          if (!result.routed) this.options.metrics.unroutedEvents.inc({ exchange: row.exchange, event_type: row.message_type });
        } else {
          failed.push({ row, error: result.error });
          halted.add(row.aggregate_key);
        }
      });
      pending = later;
    }
    return { published, failed };
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.options.orm.config.getClientUrl() });
    client.on('notification', () => this.wake());
    client.on('error', (err) => {
      // Polling keeps the relay going; listen again once the database is back.
      this.options.logger.warn({ err: err.message }, 'outbox listener lost its connection; polling until it is back');
      if (this.listener === client) this.listener = undefined;
      setTimeout(() => this.relisten(), 1_000);
    });
    await client.connect();
    await client.query('listen outbox_pending');
    this.listener = client;
  }

  private relisten(): void {
    if (this.stopped || this.listener) return;
    this.listen().catch(() => setTimeout(() => this.relisten(), 1_000));
  }
}

function toOutbound(row: OutboxRow, headers = row.headers): OutboundMessage {
  return {
    exchange: row.exchange,
    routingKey: row.routing_key,
    messageId: row.message_id,
    body: Buffer.from(row.payload),
    headers,
    mandatory: row.mandatory,
  };
}
