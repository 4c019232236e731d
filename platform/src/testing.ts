import {
  type DataOf,
  type Envelope,
  InMemoryTransport,
  type MessageContract,
  Outbox,
  type PublishOptions,
  type Transport,
  exchangeOf,
} from '@shop/events';
import { createTestDatabase, deleteBrokerObjects, deliver, uniqueName } from '@shop/events/src/testing';
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
  /** Delivers a message to the service as its sender would publish it. */
  send<C extends MessageContract>(contract: C, data: DataOf<C>, options: { source: string } & PublishOptions): Promise<Envelope<DataOf<C>>>;
  /** Starts collecting what the service publishes of these contracts. */
  watch(...contracts: MessageContract[]): Promise<Envelope<Record<string, unknown>>[]>;
  stop(): Promise<void>;
}

export interface TestSubgraphOptions {
  /** Share a queue prefix with other test services (the caller then deletes its broker objects). */
  prefix?: string;
  config?: StartOptions['config'];
  env?: NodeJS.ProcessEnv;
  /** Another transport than RabbitMQ, e.g. the in-memory one for fast handler tests. */
  transport?: Transport;
}

export async function startTestSubgraph(
  label: string,
  start: (options: StartOptions) => Promise<SubgraphHandles>,
  options: TestSubgraphOptions = {},
): Promise<TestSubgraph> {
  const db = await createTestDatabase(label);
  const prefix = options.prefix ?? `${uniqueName(label)}.`;
  const service = await start({
    env: options.env,
    transport: options.transport,
    config: { port: 0, databaseUrl: db.url, queuePrefix: prefix, ...options.config },
  }).catch(async (err: unknown) => {
    await db.drop();
    throw err;
  });
  const client = new InternalClient({ caller: 'gateway', signingKey: service.config.internalSigningKey });
  const { transport } = service;
  return {
    service,
    prefix,
    query: (query, variables = {}, identity = null) => client.request(service.url, query, variables, identity),
    async send(contract, data, { source, ...publish }) {
      const envelope = new Outbox(source).envelope(contract, data, publish);
      await deliver(transport, contract, envelope);
      return envelope;
    },
    async watch(...contracts) {
      const seen: Envelope<Record<string, unknown>>[] = [];
      await transport.consume(
        {
          name: `watch-${uniqueName(label)}`,
          bindings: contracts.map((c) => ({ exchange: exchangeOf(c), routingKey: c.name })),
          retryDelaysMs: [],
          exclusive: true,
        },
        (delivery) => {
          seen.push(JSON.parse(delivery.body.toString()));
          void delivery.ack();
        },
      );
      return seen;
    },
    async stop() {
      await service.stop();
      await db.drop();
      if (!options.prefix && !options.transport) await deleteBrokerObjects(prefix);
    },
  };
}

/** A subgraph on its own database and the in-memory transport, for fast tests of its handlers and resolvers. */
export const startInMemorySubgraph = (
  label: string,
  start: (options: StartOptions) => Promise<SubgraphHandles>,
  options: { env?: NodeJS.ProcessEnv } = {},
) => startTestSubgraph(label, start, { ...options, transport: new InMemoryTransport() });
