import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { expressMiddleware } from '@as-integrations/express5';
import type { EntityManager, EntitySchema, MikroORM } from '@mikro-orm/postgresql';
import type { MigrationObject } from '@mikro-orm/core';
import {
  CORRELATION_ID_HEADER,
  type Logger,
  MessageBus,
  type Outbox,
  RabbitMqTransport,
  type Subscription,
  type Transport,
  acceptedCorrelationId,
  createLogger,
  traceHttpRequest,
  withTimeout,
} from '@shop/events';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type DocumentNode, GraphQLError, type GraphQLFormattedError } from 'graphql';
import gql from 'graphql-tag';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { type Config, type ServiceName, loadConfig } from './config';
import { INTERNAL_HEADERS, type Identity, verifyInternalRequest } from './identity';
import { InternalClient } from './internal-client';
import { openDatabase } from './orm';

/** What every resolver gets: who asks, a unit of work of its own, and the service's outbox. */
export interface SubgraphContext {
  identity: Identity | null;
  /** Who sent the request: `gateway`, or a service acting for a customer. */
  caller: string;
  em: EntityManager;
  /** The service's outbox; what it publishes carries this request's correlation id unless told another. */
  outbox: Outbox;
  services: InternalClient;
  config: Config;
  /** The service's logger, with this request's correlation id on every line. */
  logger: Logger;
  /** The caller's `x-correlation-id` (the gateway forwards the client's, or makes one), or a new one. */
  correlationId: string;
}

export interface SubgraphDefinition {
  name: ServiceName;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<SubgraphContext>;
  entities: EntitySchema[];
  migrations: MigrationObject[];
  /** What the service reacts to: its subscription list. */
  subscriptions?: Subscription[];
  /** Background work while the service runs (e.g. expiring idle carts); each returns how to stop it. */
  workers?: ((service: SubgraphHandles) => () => Promise<void> | void)[];
}

export interface SubgraphHandles {
  name: ServiceName;
  url: string;
  config: Config;
  server: http.Server;
  orm: MikroORM;
  bus: MessageBus;
  transport: Transport;
  registry: Registry;
  logger: Logger;
  services: InternalClient;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Replaces parts of the configuration read from the environment (tests: port 0, a test database). */
  config?: Partial<Config>;
  /** Another transport than RabbitMQ (the in-memory one, for a single-process start). */
  transport?: Transport;
}

/** Reads a subgraph's SDL from its package root. */
export const readSchema = (path: string): DocumentNode => gql(readFileSync(path, 'utf8'));

/**
 * Starts one subgraph: its database (created and migrated), its messaging (outbox relay and
 * consumer), and its HTTP server with /graphql (internal signature required), the health paths
 * and /metrics.
 */
export async function startSubgraph(definition: SubgraphDefinition, options: StartOptions = {}): Promise<SubgraphHandles> {
  const config = { ...loadConfig(definition.name, options.env), ...options.config };
  const serviceName = `${definition.name}-service`;
  const logger = createLogger(serviceName);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const opened = new OpenedResources();
  try {
    const orm = await openDatabase({
      databaseUrl: config.databaseUrl,
      entities: definition.entities,
      migrations: definition.migrations,
      poolMax: config.dbPoolMax,
    });
    opened.add(() => orm.close());
    const transport =
      options.transport ?? new RabbitMqTransport({ url: config.amqpUrl, prefix: config.queuePrefix, connectionName: serviceName, logger });
    opened.add(() => transport.close());
    await transport.connect();
    const bus = new MessageBus({ service: definition.name, orm, transport, logger, registry, subscriptions: definition.subscriptions });
    opened.add(() => bus.stop());
    await bus.start();
    const services = new InternalClient({ caller: serviceName, signingKey: config.internalSigningKey });

    const apollo = new ApolloServer<SubgraphContext>({
      schema: buildSubgraphSchema({ typeDefs: definition.typeDefs, resolvers: definition.resolvers as GraphQLResolverMap<unknown> }),
      introspection: !config.production,
      includeStacktraceInErrorResponses: !config.production,
      formatError: (formatted, error) => hideInternals(formatted, error, config.production, logger),
      // Inline traces only feed Apollo's hosted studio; computing them slows every request.
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    await apollo.start();
    opened.add(() => apollo.stop());

    let stopping = false;
    const app = express();
    app.disable('x-powered-by');
    app.get('/health/live', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.get(['/health/ready', '/health'], async (_req, res) => {
      const [database, migrations] = await Promise.all([
        checkWithin(orm.em.getConnection().execute('select 1')),
        checkWithin(orm.migrator.getPendingMigrations().then((pending) => pending.length === 0)),
      ]);
      const checks = { database, broker: transport.isConnected(), migrations, consumers: bus.consumer?.isAttached() ?? true };
      const ready = !stopping && Object.values(checks).every(Boolean);
      res.status(ready ? 200 : 503).json({ status: stopping ? 'stopping' : ready ? 'ready' : 'not ready', checks });
    });
    app.get('/metrics', async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    });
    app.use('/graphql', (req, res, next) => {
      res.locals.correlationId = acceptedCorrelationId(req.headers[CORRELATION_ID_HEADER]) ?? randomUUID();
      traceHttpRequest(`graphql ${serviceName}`, req, res, next);
    });
    app.use(
      '/graphql',
      express.json({
        limit: '1mb',
        verify: (req, _res, buf) => {
          (req as Request & { rawBody?: Buffer }).rawBody = buf;
        },
      }),
      requireInternalSignature(config.internalSigningKey, { allowUnsigned: config.insecureSkipSignatureCheck }),
      expressMiddleware(apollo, {
        context: async ({ res }) => {
          const correlationId = res.locals.correlationId as string;
          return {
            identity: res.locals.identity as Identity | null,
            caller: res.locals.caller as string,
            em: orm.em.fork(),
            outbox: bus.outbox.withCorrelationId(correlationId),
            services: services.withCorrelationId(correlationId),
            config,
            logger: logger.child({ correlationId }),
            correlationId,
          };
        },
      }),
    );

    const server = http.createServer(app);
    server.keepAliveTimeout = 65_000;
    await listen(server, config.port);
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/graphql`;

    const handles: SubgraphHandles = {
      name: definition.name,
      url,
      config,
      server,
      orm,
      bus,
      transport,
      registry,
      logger,
      services,
      // Readiness turns 503 first; requests and messages in flight finish; the relay then publishes
      // everything committed (the handlers' messages included) before the connections close.
      stop: async () => {
        stopping = true;
        await Promise.all(stopWorkers.map((stopWorker) => stopWorker()));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await apollo.stop();
        await bus.stop();
        await transport.close();
        await orm.close();
      },
    };
    const stopWorkers = (definition.workers ?? []).map((worker) => worker(handles));
    logger.info({ url, devDefaults: config.devDefaults }, `${serviceName} listening`);
    if (config.insecureSkipSignatureCheck)
      logger.warn(`${serviceName}: INSECURE_SKIP_SIGNATURE_CHECK is set: unsigned requests are answered as anonymous (benchmarks only)`);
    return handles;
  } catch (err) {
    await opened.closeAll();
    throw err;
  }
}

/**
 * What a start has opened so far (connections, servers, timers), closed again, last first, when a
 * later step fails: a service that cannot start must fail, not linger and keep its process alive.
 */
export class OpenedResources {
  private readonly closers: (() => Promise<unknown>)[] = [];

  add(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  /** Closes everything added, last first; one that fails to close does not keep the others open. */
  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
  }
}

/** Listens on the port (0: any free one); fails (EADDRINUSE, say) instead of waiting forever. */
export function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const READINESS_CHECK_TIMEOUT_MS = 2_000;

/** True when the check passes within the time limit. */
const checkWithin = (check: Promise<unknown>): Promise<boolean> =>
  withTimeout(check, READINESS_CHECK_TIMEOUT_MS).then(
    (result) => result !== false,
    () => false,
  );

/** Who sends a request that carries no internal signature, when INSECURE_SKIP_SIGNATURE_CHECK lets it in. */
export const UNSIGNED_CALLER = 'unsigned';

/**
 * Subgraphs answer only requests signed by the gateway or by a service acting for a customer.
 * With `allowUnsigned` (INSECURE_SKIP_SIGNATURE_CHECK=benchmark-only, never in production) a request
 * without a signature goes on as anonymous; a request with one is verified all the same.
 */
export function requireInternalSignature(signingKey: string, { allowUnsigned }: { allowUnsigned: boolean }) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (allowUnsigned && req.headers[INTERNAL_HEADERS.signature] === undefined) {
      res.locals.identity = null;
      res.locals.caller = UNSIGNED_CALLER;
      next();
      return;
    }
    const verification = verifyInternalRequest(signingKey, {
      headers: req.headers,
      method: req.method,
      path: req.originalUrl,
      body: (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0),
    });
    if (!verification.ok) {
      res.status(401).json({ errors: [{ message: `unauthorized: ${verification.reason}`, extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    res.locals.identity = verification.identity;
    res.locals.caller = verification.caller;
    next();
  };
}

function hideInternals(formatted: GraphQLFormattedError, error: unknown, production: boolean, logger: Logger): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code !== 'INTERNAL_SERVER_ERROR') return formatted;
  const original = unwrapResolverError(error);
  logger.error({ err: original instanceof Error ? original.message : String(original), path: formatted.path }, 'resolver failed');
  if (!production) return formatted;
  return { message: 'internal error', path: formatted.path, extensions: { code } };
}

export { GraphQLError };
