import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { type Logger, type Transport, createLogger } from '@shop/events';
import { type Config, OpenedResources, createSubgraphAgent, listen, loadConfig } from '@shop/platform';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { GraphQLSchema } from 'graphql';
import { createTokenVerifier } from './auth';
import { type ClientContext, graphqlHandler, isGraphQLPath, unresolvedOperationPlugin } from './graphql-http';
import { type GatewayMetrics, createGatewayMetrics, requestMetricsPlugin } from './metrics';
import { formatClientError } from './security/client-errors';
import { operationLimitRules } from './security/operation-limits';
import { OriginPolicy } from './security/origins';
import { MutationRateLimiter, mutationRateLimitPlugin } from './security/rate-limit';
import { type GatewaySettings, loadGatewaySettings } from './settings';
import { mountStorefrontRoutes } from './storefront-routes';
import { SignedDataSource, SubgraphFetcher, correlateRequest } from './subgraph-fetch';
import { type SubscriptionService, type SubscriptionSettings, startSubscriptionService } from './subscriptions/subscription-service';
import { subgraphsOnDisk } from './supergraph';

export interface GatewayOptions {
  env?: NodeJS.ProcessEnv;
  /** Replaces parts of the configuration read from the environment (tests: port 0). */
  config?: Partial<Config>;
  /** The supergraph file to serve; defaults to GATEWAY_SUPERGRAPH_FILE. Without either, the gateway composes live. */
  supergraphFile?: string;
  /** The subgraphs to compose live; defaults to every subgraph on disk, at its configured URL. */
  subgraphs?: { name: string; url: string }[];
  /** Limits and timings of the graphql-ws subscriptions (tests shorten them). */
  subscriptions?: Partial<SubscriptionSettings>;
  /** Another transport than RabbitMQ for the status events that feed subscriptions. */
  transport?: Transport;
}

export interface GatewayHandles {
  url: string;
  config: Config;
  settings: GatewaySettings;
  server: http.Server;
  metrics: GatewayMetrics;
  subscriptions: SubscriptionService;
  stop(): Promise<void>;
}

const INTERNAL_HEADER_PREFIX = 'x-internal-';

/**
 * Starts the client-facing gateway: the supergraph (a static file, or composed from the running
 * subgraphs), client authentication, signed subgraph requests, /graphql (with graphql-ws
 * subscriptions on the same path), health and /metrics.
 */
export async function startGateway(options: GatewayOptions = {}): Promise<GatewayHandles> {
  const env = options.env ?? process.env;
  const config = { ...loadConfig('gateway', env), ...options.config };
  const settings = loadGatewaySettings(env);
  const origins = new OriginPolicy(settings.corsOrigins, config.production);
  const logger = createLogger('gateway');
  const metrics = createGatewayMetrics();
  const verifyToken = createTokenVerifier(config.jwt);
  const agent = createSubgraphAgent();

  const gateway = new ApolloGateway({
    supergraphSdl: supergraphSource(options, env, config),
    buildService: ({ name, url }) => {
      if (!url) throw new Error(`the supergraph gives no URL for subgraph ${name}`);
      return new SignedDataSource(new SubgraphFetcher({ name, url }, agent, config.internalSigningKey, metrics), url);
    },
    logger,
  });
  let apiSchema: GraphQLSchema | undefined;
  let stopping = false;
  gateway.onSchemaLoadOrUpdate((loaded) => {
    apiSchema = loaded.apiSchema;
  });

  const app = express();
  // Requests reach express, or /graphql, through the listener added once everything is ready.
  const server = http.createServer();
  // Behind a load balancer, idle client connections must outlive the balancer's own timeout.
  server.keepAliveTimeout = 65_000;
  const apollo = new ApolloServer<ClientContext>({
    gateway,
    introspection: !config.production,
    includeStacktraceInErrorResponses: !config.production,
    formatError: formatClientError({ production: config.production, maxTokens: settings.limits.maxTokens }),
    // A GET, or a POST a browser form could send, must carry a header that forces a CORS preflight.
    csrfPrevention: true,
    parseOptions: { maxTokens: settings.limits.maxTokens },
    validationRules: operationLimitRules(settings.limits),
    logger,
    // runService stops the gateway on SIGTERM and SIGINT.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      // The explorer is served at /graphiql, never from a third-party CDN.
      ApolloServerPluginLandingPageDisabled(),
      requestMetricsPlugin(metrics),
      unresolvedOperationPlugin(),
      mutationRateLimitPlugin(new MutationRateLimiter(settings.mutationsPerMinute)),
    ],
  });
  // What is open so far is closed again (last first) if a later step fails, the listen included.
  const opened = new OpenedResources();
  opened.add(() => agent.close());
  let subscriptions: SubscriptionService;
  try {
    await apollo.start();
    opened.add(() => apollo.stop());
    subscriptions = await startSubscriptionService({
      httpServer: server,
      apollo,
      apiSchema: () => apiSchema,
      verifyToken,
      config,
      metrics,
      logger,
      limits: settings.limits,
      origins,
      settings: { maxPayloadBytes: settings.wsMaxPayloadBytes, ...options.subscriptions },
      transport: options.transport,
    });
    opened.add(() => subscriptions.stop());

    app.disable('x-powered-by');
    app.get('/health/live', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.get(['/health/ready', '/health'], (_req, res) => {
      const checks = { supergraph: apiSchema !== undefined, broker: subscriptions.isConnected() };
      const ready = checks.supergraph && checks.broker && !stopping;
      const status = stopping ? 'stopping' : ready ? 'ready' : 'not ready';
      res.status(ready ? 200 : 503).json({ status, checks });
    });
    app.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
    await mountStorefrontRoutes(app, { config, logger });
    app.use(answerHttpError(logger));
    const answerGraphQL = graphqlHandler({
      apollo,
      verifyToken,
      metrics,
      logger,
      maxBodyBytes: settings.maxBodyBytes,
      origins,
      maxTokens: settings.limits.maxTokens,
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      stripInternalHeaders(req);
      if (isGraphQLPath(req.url)) correlateRequest(req, res, () => answerGraphQL(req, res));
      else app(req, res);
    });

    await listen(server, config.port);
  } catch (err) {
    await opened.closeAll();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/graphql`;
  logger.info({ url, devDefaults: config.devDefaults }, 'gateway listening');

  return {
    url,
    config,
    settings,
    server,
    metrics,
    subscriptions,
    stop: async () => {
      stopping = true;
      await subscriptions.stop();
      await apollo.stop(); // drains the HTTP server: answers in flight finish, then it closes
      await agent.close();
    },
  };
}

function supergraphSource(options: GatewayOptions, env: NodeJS.ProcessEnv, config: Config): string | IntrospectAndCompose {
  const file = options.supergraphFile ?? env.GATEWAY_SUPERGRAPH_FILE;
  if (!file) {
    const subgraphs = options.subgraphs ?? subgraphsOnDisk(config.serviceUrls).map(({ name, url }) => ({ name, url }));
    return new IntrospectAndCompose({ subgraphs });
  }
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch (err) {
    throw new Error(`cannot read the supergraph file ${resolve(file)} (write it with \`npm run compose\`): ${(err as Error).message}`);
  }
}

/** Client headers that look internal never go further than here, whatever route they take. */
function stripInternalHeaders(req: http.IncomingMessage): void {
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith(INTERNAL_HEADER_PREFIX)) delete req.headers[name];
  }
}

/** Malformed or oversized bodies, and failures outside GraphQL, answer in GraphQL's error shape. */
function answerHttpError(logger: Logger) {
  return (err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction): void => {
    const status = err.status && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) logger.error({ err: err.message }, 'request failed');
    const [message, code] = status < 500 ? [err.message, 'BAD_REQUEST'] : ['internal error', 'INTERNAL_SERVER_ERROR'];
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}
