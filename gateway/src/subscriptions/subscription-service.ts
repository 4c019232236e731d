import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { type Logger, RabbitMqTransport, type Transport } from '@shop/events';
import type { Config, Identity } from '@shop/platform';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  type ValidationRule,
  buildSchema,
  printSchema,
  specifiedRules,
  validate,
} from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { decodeJwt } from 'jose';
import { WebSocket, WebSocketServer } from 'ws';
import { CLOCK_TOLERANCE_SECONDS, InvalidTokenError, type TokenVerifier, bearerToken } from '../auth';
import type { ClientContext } from '../graphql-http';
import type { GatewayMetrics } from '../metrics';
import { withoutSuggestions } from '../security/client-errors';
import { operationLimitRules, parseWithinLimits, reportingThrownErrors } from '../security/operation-limits';
import type { OriginPolicy } from '../security/origins';
import type { OperationLimits } from '../settings';
import { CheckoutStatusSubscription } from './checkout-subscription';
import { DocumentCache, isRefusal } from './document-cache';
import { type Extra, serveGraphqlWs } from './graphql-ws-server';
import type { LiveSubscription, ReadAs, SubscriptionContext } from './live-subscription';
import { SubscriptionOperation, badRequest } from './operation';
import { OrderStatusSubscription } from './order-subscription';
import { ProductChangeSubscription } from './product-subscription';
import { StatusEventFeed } from './status-events';

export interface SubscriptionSettings {
  /** The largest client message; a larger one closes the socket (1009). */
  maxPayloadBytes: number;
  /** How long a new socket has to send connection_init before it is closed (4408). */
  connectionInitTimeoutMs: number;
  maxSubscriptionsPerConnection: number;
  /** How long a transition that arrived ahead of a missing one waits before history is read. */
  gapTimeoutMs: number;
}

export const DEFAULT_SUBSCRIPTION_SETTINGS: SubscriptionSettings = {
  maxPayloadBytes: 64 * 1024,
  connectionInitTimeoutMs: 3_000,
  maxSubscriptionsPerConnection: 25,
  gapTimeoutMs: 2_000,
};

export interface SubscriptionServiceOptions {
  httpServer: http.Server;
  apollo: ApolloServer<ClientContext>;
  /** The supergraph's API schema, once loaded: subscriptions are validated against it. */
  apiSchema: () => GraphQLSchema | undefined;
  verifyToken: TokenVerifier;
  config: Config;
  metrics: GatewayMetrics;
  logger: Logger;
  /** The same operation limits as over HTTP. */
  limits: OperationLimits;
  /** Which browser pages may open a socket (a foreign Origin is refused with 403 on upgrade). */
  origins: OriginPolicy;
  settings?: Partial<SubscriptionSettings>;
  /** Another transport than RabbitMQ (it is closed with the service). */
  transport?: Transport;
}

export interface SubscriptionService {
  /** This instance's queue name (before QUEUE_PREFIX), also its broker connection's name (after it). */
  instanceName: string;
  isConnected(): boolean;
  /** The sizes of the internal registries: a socket that closed leaves nothing in any of them. */
  registrySizes(): { sockets: number; connections: number; subscriptions: number; listeners: number; timers: number };
  stop(): Promise<void>;
}

/** One acknowledged socket: who it is, and its subscriptions by the client's id. */
interface Connection {
  identity: Identity | null;
  subscriptions: Map<string, LiveSubscription>;
  cancelExpiry?: () => void;
}

type ConnectionParams = Record<string, unknown>;
type SocketContext = Context<ConnectionParams, Extra>;

const SUBSCRIPTIONS: Record<string, new (context: SubscriptionContext, onClosed: () => void) => LiveSubscription> = {
  checkoutStatusChanged: CheckoutStatusSubscription,
  orderStatusChanged: OrderStatusSubscription,
  productChanged: ProductChangeSubscription,
};

// setTimeout waits at most 2^31-1 ms (about 24.8 days); a longer token lifetime is waited in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;
// A WebSocket close reason is at most 123 bytes.
const MAX_CLOSE_REASON = 120;
// Distinct subscription documents kept parsed and validated (an app sends a handful).
const MAX_CACHED_DOCUMENTS = 500;

/**
 * GraphQL subscriptions over graphql-ws on the gateway's HTTP server (path /graphql), which
 * @apollo/gateway cannot execute. Each instance hears the status events through its own exclusive
 * queue; each subscription reads what its client selected through the supergraph, as that client.
 */
export async function startSubscriptionService(options: SubscriptionServiceOptions): Promise<SubscriptionService> {
  const settings = { ...DEFAULT_SUBSCRIPTION_SETTINGS, ...options.settings };
  const { config, logger, metrics } = options;
  const instanceName = `gateway-${randomUUID()}`;
  const transport =
    options.transport ??
    new RabbitMqTransport({ url: config.amqpUrl, prefix: config.queuePrefix, connectionName: config.queuePrefix + instanceName, logger });
  const feed = new StatusEventFeed(transport, instanceName, logger);
  // Queries and mutations do not need the broker, so the gateway does not wait for it: the
  // connection keeps retrying in the background (past connect's own timeout), and the queue is
  // declared once the broker is reachable. Subscriptions taken meanwhile catch up from history then.
  void transport
    .connect()
    .catch((err: Error) => logger.warn({ err: err.message }, 'broker not reachable yet; subscriptions get live events once it is'))
    .then(() => feed.start())
    .then(() => logger.info({ queue: config.queuePrefix + instanceName }, 'status event queue consuming'))
    .catch((err: Error) =>
      logger.error({ err: err.message }, 'the status event queue could not be started; subscriptions get no live events'),
    );

  const readAs: ReadAs = async (identity, request) => {
    try {
      const response = await options.apollo.executeOperation(request, { contextValue: { identity } });
      if (response.body.kind !== 'single') throw new Error('the gateway answered a subscription read incrementally');
      return response.body.singleResult;
    } catch (err) {
      // A read that fails outright is told like one whose subgraph failed: as an error of the message.
      logger.error({ err: (err as Error).message, operationName: request.operationName }, 'subscription read failed');
      return { data: null, errors: [{ message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
    }
  };

  // Apollo Server wraps the resolvers of the schema it serves (for its plugins), and the wrappers
  // ignore an execution's own field resolver: subscriptions are validated and their messages
  // shaped on a plain copy of the API schema, made once per schema the gateway loads.
  const plainSchemas = new WeakMap<GraphQLSchema, GraphQLSchema>();
  const currentSchema = (): GraphQLSchema | undefined => {
    const served = options.apiSchema();
    if (!served) return undefined;
    let plain = plainSchemas.get(served);
    if (!plain) {
      plain = buildSchema(printSchema(served));
      plainSchemas.set(served, plain);
    }
    return plain;
  };

  const connections = new Map<SocketContext, Connection>();
  const subscriptions = new Set<LiveSubscription>();
  // As over HTTP: the operation limits, and in production mode no introspection.
  const validationRules: ValidationRule[] = [
    ...specifiedRules.map(reportingThrownErrors),
    ...operationLimitRules(options.limits),
    ...(config.production ? [NoSchemaIntrospectionCustomRule] : []),
  ];
  // As over HTTP: in production mode no field suggestions.
  const told = (errors: readonly GraphQLError[]): readonly GraphQLError[] =>
    config.production
      ? errors.map((error) => new GraphQLError(withoutSuggestions(error.message), { nodes: error.nodes, extensions: error.extensions }))
      : errors;
  const documents = new DocumentCache((schema, text) => {
    let document: DocumentNode;
    try {
      document = parseWithinLimits(text, options.limits.maxTokens);
    } catch (err) {
      if (err instanceof GraphQLError) return [err];
      throw err;
    }
    const invalid = validate(schema, document, validationRules);
    return invalid.length > 0 ? told(invalid) : document;
  }, MAX_CACHED_DOCUMENTS);

  async function onConnect(ctx: SocketContext): Promise<boolean> {
    const { socket } = ctx.extra;
    let identity: Identity | null = null;
    let expiresAt: number | undefined;
    try {
      const authorization = ctx.connectionParams?.authorization;
      if (authorization !== undefined && typeof authorization !== 'string')
        throw new InvalidTokenError('authorization must be "Bearer <token>"');
      const token = bearerToken(authorization);
      if (token) {
        identity = await options.verifyToken(token);
        expiresAt = ((decodeJwt(token).exp as number) + CLOCK_TOLERANCE_SECONDS) * 1000;
      }
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      metrics.refusedTokens.inc();
      socket.close(CloseCode.Forbidden, `Forbidden: ${err.message}`.slice(0, MAX_CLOSE_REASON));
      return false;
    }
    // The socket may have closed while the token was checked; then onClose has already run.
    if (socket.readyState !== WebSocket.OPEN) return false;
    const connection: Connection = { identity, subscriptions: new Map() };
    if (expiresAt !== undefined) connection.cancelExpiry = closeWhenExpired(socket, expiresAt);
    connections.set(ctx, connection);
    return true;
  }

  async function onSubscribe(
    ctx: SocketContext,
    id: string,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  ) {
    const connection = connections.get(ctx);
    const schema = currentSchema();
    if (!connection || !schema) return [new GraphQLError('the gateway is not ready', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
    if (connection.subscriptions.size >= settings.maxSubscriptionsPerConnection) {
      return [
        new GraphQLError(`at most ${settings.maxSubscriptionsPerConnection} subscriptions per connection`, {
          extensions: { code: 'OPERATION_LIMIT' },
        }),
      ];
    }
    const document = documents.get(schema, payload.query);
    if (isRefusal(document)) return document;
    const operationName = payload.operationName ?? undefined;
    const variables = payload.variables ?? {};
    const operation = SubscriptionOperation.of(schema, document, operationName, variables);
    if (!(operation instanceof SubscriptionOperation)) return told(operation);
    const Kind = SUBSCRIPTIONS[operation.fieldName];
    if (!Kind) return [badRequest(`${operation.fieldName} is not served by this gateway`)];

    const context = { operation, identity: connection.identity, feed, readAs, metrics, logger, gapTimeoutMs: settings.gapTimeoutMs };
    const subscription: LiveSubscription = new Kind(context, () => {
      subscriptions.delete(subscription);
      if (connection.subscriptions.get(id) === subscription) connection.subscriptions.delete(id);
    });
    subscriptions.add(subscription);
    connection.subscriptions.set(id, subscription);
    const refusal = await subscription.start();
    if (refusal) {
      subscription.close();
      return refusal;
    }
    // The stream reaches graphql-ws through the execution context (see `subscribe` below).
    return { schema, document, operationName, variableValues: variables, contextValue: subscription };
  }

  function onClose(ctx: SocketContext): void {
    const connection = connections.get(ctx);
    if (!connection) return;
    connections.delete(ctx);
    connection.cancelExpiry?.();
    for (const subscription of [...connection.subscriptions.values()]) subscription.close();
  }

  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: settings.maxPayloadBytes,
    verifyClient: ({ origin, req }: { origin?: string; req: http.IncomingMessage }, decide: (allowed: boolean, status?: number) => void) =>
      decide(options.origins.mayConnect(origin, req.headers.host), 403),
  });
  const graphqlWs = serveGraphqlWs<ConnectionParams>(
    {
      isProd: config.production,
      logger,
      connectionInitWaitTimeout: settings.connectionInitTimeoutMs,
      onConnect,
      onSubscribe,
      subscribe: (args) => (args.contextValue as LiveSubscription).stream,
      onClose,
    },
    wsServer,
  );
  logger.info({ queue: config.queuePrefix + instanceName }, 'subscriptions served over graphql-ws at /graphql');

  return {
    instanceName,
    isConnected: () => transport.isConnected() && feed.isConsuming(),
    registrySizes: () => ({
      sockets: wsServer.clients.size,
      connections: connections.size,
      subscriptions: subscriptions.size,
      listeners: feed.listenerCount(),
      timers: [...subscriptions].reduce((sum, subscription) => sum + subscription.timerCount, 0),
    }),
    stop: async () => {
      await graphqlWs.dispose(); // closes every socket (1001), and their subscriptions with them
      for (const subscription of [...subscriptions]) subscription.close();
      await feed.stop();
      await transport.close(); // also ends the wait for a broker never reached
    },
  };
}

/** Closes the socket (4403) once its token would no longer verify. Returns how to cancel. */
function closeWhenExpired(socket: WebSocket, expiresAt: number): () => void {
  const expiry: Expiry = { socket, expiresAt };
  waitForExpiry(expiry);
  return () => clearTimeout(expiry.timer);
}

interface Expiry {
  socket: WebSocket;
  expiresAt: number;
  timer?: NodeJS.Timeout;
}

// Not a named closure per socket: tsx gives each named closure a name property of its own (hundreds of bytes).
function waitForExpiry(expiry: Expiry): void {
  const remaining = Math.max(0, expiry.expiresAt - Date.now());
  expiry.timer =
    remaining > MAX_TIMER_MS
      ? setTimeout(waitForExpiry, MAX_TIMER_MS, expiry)
      : setTimeout(() => expiry.socket.close(CloseCode.Forbidden, 'Forbidden: token expired'), remaining);
}
