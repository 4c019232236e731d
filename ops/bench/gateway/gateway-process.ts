// A gateway under test in a process of its own, serving the benchmark's static supergraph file:
// `ours` (this project's gateway: client authentication, signed subgraph requests, metrics) or
// `apollo` (plain @apollo/gateway on @apollo/server's standalone server, default settings: the
// baseline). Says { ready: url } once it serves.
process.env.LOG_LEVEL ??= 'warn';

import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { startGateway } from '@shop/gateway/src/gateway';
import { serveAsChild } from './child';

export interface GatewayProcessOptions {
  kind: 'ours' | 'apollo';
  supergraphFile: string;
  /** Our gateway's subscriptions declare broker objects: under the benchmark's prefix, removed at the end. */
  queuePrefix: string;
}

async function startOurs({ supergraphFile, queuePrefix }: GatewayProcessOptions): Promise<{ url: string; stop: () => Promise<void> }> {
  const gateway = await startGateway({ config: { port: 0, queuePrefix }, supergraphFile });
  return { url: gateway.url, stop: () => gateway.stop() };
}

async function startApollo({ supergraphFile }: GatewayProcessOptions): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: readFileSync(supergraphFile, 'utf8') }) });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return { url, stop: () => server.stop() };
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as GatewayProcessOptions;
  const gateway = options.kind === 'ours' ? await startOurs(options) : await startApollo(options);
  serveAsChild(gateway.url, gateway.stop);
}

main().catch((err: Error) => {
  console.error(`gateway process: ${err.stack ?? err.message}`);
  process.exit(1);
});
