import { createLogger, startTracingFromEnv } from '@shop/events';
import { z } from 'zod';
import { parseEnv } from './config';
import type { SubgraphHandles } from './server';

/** How long a stop may take before the process gives up and exits 1 (by default within Kubernetes' 30 s grace period). */
const ShutdownEnv = z.object({ SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(25_000) });

/**
 * Runs a service as its own process: switches tracing on if asked (OTEL_TRACES_EXPORTER), starts
 * the service, stops it gracefully on SIGTERM or SIGINT and exits 0 (1 if the stop fails or takes
 * longer than SHUTDOWN_TIMEOUT_MS), and turns a failed start into one clear line and a non-zero exit
 * instead of a stack trace.
 */
export function runService(name: string, start: () => Promise<Pick<SubgraphHandles, 'stop'>>): void {
  const logger = createLogger(name);
  startTracingFromEnv(name)
    .then(async (tracing) => {
      const { SHUTDOWN_TIMEOUT_MS: shutdownTimeoutMs } = parseEnv(ShutdownEnv, process.env);
      const service = await start();
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, `${signal} received: finishing work in flight and stopping`);
        setTimeout(() => {
          logger.error(`did not stop within ${shutdownTimeoutMs / 1000} s; exiting`);
          process.exit(1);
        }, shutdownTimeoutMs);
        service
          .stop()
          .then(() =>
            tracing
              ?.stop()
              .catch((err: Error) => logger.warn({ err: err.message }, 'the last spans could not be sent to the trace collector')),
          )
          .then(
            () => {
              logger.info('stopped');
              process.exit(0);
            },
            (err: Error) => {
              logger.error({ err: err.message }, 'stopped with an error');
              process.exit(1);
            },
          );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    })
    .catch((err: Error & { code?: string }) => {
      console.error(`${name} could not start: ${describeStartError(err)}`);
      process.exit(1);
    });
}

function describeStartError(err: Error & { code?: string; address?: string; port?: number }): string {
  if (err.code === 'ECONNREFUSED' && err.port === 5432)
    return `PostgreSQL is not reachable at ${err.address}:${err.port} (start it, or set DATABASE_URL)`;
  if (err.code === 'EADDRINUSE') return `port ${err.port} is already in use (set PORT)`;
  return err.message;
}

/**
 * Polls a service's /health/ready (next to its /graphql) until it answers 200. `failure` may end
 * the wait early, e.g. when the process being waited for has exited; it returns why, or nothing.
 */
export async function waitUntilReady(
  name: string,
  graphqlUrl: string,
  { timeoutMs = 60_000, failure }: { timeoutMs?: number; failure?: () => string | undefined } = {},
): Promise<void> {
  const health = new URL('/health/ready', graphqlUrl);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const failed = failure?.();
    if (failed) throw new Error(`${name} ${failed}`);
    const ready = await fetch(health, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not become ready within ${timeoutMs / 1000} s`);
}
