// The gateway of bench:subscriptions in a process of its own (started with --expose-gc), so that
// its memory is measured alone. Says { ready: url }; answers 'memory' with its memory after a full
// garbage collection.
process.env.LOG_LEVEL ??= 'warn';

import { startGateway } from '@shop/gateway/src/gateway';
import { serveAsChild } from '../gateway/child';

export interface GatewayMemory {
  rss: number;
  /** The V8 heap the process holds (in RSS once touched), of which `heapUsed` is live. */
  heapTotal: number;
  heapUsed: number;
  /** Memory of JavaScript objects held outside the heap (buffers). */
  external: number;
}

function memoryAfterCollection(): GatewayMemory {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('the gateway process needs --expose-gc');
  // Twice: the first pass finalises what the second frees.
  collect();
  collect();
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
  return { rss, heapTotal, heapUsed, external };
}

async function main(): Promise<void> {
  const { supergraphFile, queuePrefix } = JSON.parse(process.argv[2]) as { supergraphFile: string; queuePrefix: string };
  const gateway = await startGateway({ config: { port: 0, queuePrefix }, supergraphFile });
  process.on('message', (message) => message === 'memory' && process.send!(memoryAfterCollection()));
  serveAsChild(gateway.url, () => gateway.stop());
}

main().catch((err: Error) => {
  console.error(`gateway process: ${err.stack ?? err.message}`);
  process.exit(1);
});
