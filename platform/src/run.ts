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
