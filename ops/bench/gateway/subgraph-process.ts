// One subgraph of the gateway benchmark (product or inventory) in a process of its own, on the
// database and queue prefix the benchmark created for it. Says { ready: url } once it serves.
process.env.LOG_LEVEL ??= 'warn';

import type { StartOptions, SubgraphHandles } from '@shop/platform';
import { startInventoryService } from '@shop/inventory/src/subgraph';
import { startProductService } from '@shop/product/src/subgraph';
import { serveAsChild } from './child';

export interface SubgraphProcessOptions {
  name: 'product' | 'inventory';
  databaseUrl: string;
  queuePrefix: string;
}

const starters: Record<SubgraphProcessOptions['name'], (options: StartOptions) => Promise<SubgraphHandles>> = {
  product: startProductService,
  inventory: startInventoryService,
};

async function main(): Promise<void> {
  const { name, databaseUrl, queuePrefix } = JSON.parse(process.argv[2]) as SubgraphProcessOptions;
  const service = await starters[name]({ config: { port: 0, databaseUrl, queuePrefix } });
  serveAsChild(service.url, () => service.stop());
}

main().catch((err: Error) => {
  console.error(`subgraph process: ${err.stack ?? err.message}`);
  process.exit(1);
});
