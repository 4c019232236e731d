import { createTestDatabase, deleteBrokerObjects, uniqueName } from '@shop/events/src/testing';
import type { Identity } from './identity';
import { type GraphQLResponse, InternalClient } from './internal-client';
import type { StartOptions, SubgraphHandles } from './server';

// Test support for subgraphs: the real service on its own database and queue prefix, called with
// signed requests as the gateway would, then removed with everything it created.

export const customer = (sub: string, email?: string): Identity => ({ sub, role: 'customer', ...(email ? { email } : {}) });
export const admin: Identity = { sub: 'admin-1', role: 'admin' };

export interface TestSubgraph {
  service: SubgraphHandles;
  prefix: string;
  /** A signed GraphQL request, as the gateway makes one for this identity. */
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    identity?: Identity | null,
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export async function startTestSubgraph(
  label: string,
  start: (options: StartOptions) => Promise<SubgraphHandles>,
  options: { prefix?: string; config?: StartOptions['config'] } = {},
): Promise<TestSubgraph> {
  const db = await createTestDatabase(label);
  const prefix = options.prefix ?? `${uniqueName(label)}.`;
  const service = await start({ config: { port: 0, databaseUrl: db.url, queuePrefix: prefix, ...options.config } });
  const client = new InternalClient({ caller: 'gateway', signingKey: service.config.internalSigningKey });
  return {
    service,
    prefix,
    query: (query, variables = {}, identity = null) => client.request(service.url, query, variables, identity),
    async stop() {
      await service.stop();
      await db.drop();
      if (!options.prefix) await deleteBrokerObjects(prefix);
    },
  };
}
