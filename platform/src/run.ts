import type { SubgraphHandles } from './server';

/**
 * Runs a service as its own process: starts it, stops it cleanly on SIGTERM or SIGINT, and turns
 * a failed start into one clear line and a non-zero exit instead of a stack trace.
 */
export function runService(name: string, start: () => Promise<Pick<SubgraphHandles, 'stop'>>): void {
  start()
    .then((service) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.error(`${name}: ${signal} received, finishing work in flight and stopping`);
        service.stop().then(
          () => process.exit(0),
          (err: Error) => {
            console.error(`${name}: stopped with an error: ${err.message}`);
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
