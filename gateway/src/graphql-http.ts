import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, type ApolloServerPlugin, HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Logger } from '@shop/events';
import type { Identity } from '@shop/platform';
import { InvalidTokenError, type TokenVerifier, bearerToken } from './auth';
import type { GatewayMetrics } from './metrics';
import { InFlightQueries } from './query-coalescing';
import { APPLICATION_JSON, acceptsAnyGraphQLResponse, responseMediaType } from './security/media-types';
import type { OriginPolicy } from './security/origins';
import type { GatewayContext } from './subgraph-fetch';

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

// Errors of a request that is well-formed GraphQL over HTTP but that GraphQL refused before executing it.
const DOCUMENT_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'OPERATION_LIMIT',
]);

/** What Apollo Server knows of the client. */
export interface ClientContext extends GatewayContext {
  /** The client's network address (HTTP only): the rate-limit key of anonymous requests. */
  clientAddress?: string;
}

/** /graphql, with or without a trailing slash or a query string. */
export function isGraphQLPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0];
  return path === '/graphql' || path === '/graphql/';
}

export interface GraphQLHandlerOptions {
  apollo: ApolloServer<ClientContext>;
  verifyToken: TokenVerifier;
  metrics: GatewayMetrics;
  logger: Logger;
  /** The largest request body (413 past it); 1 MiB by default. */
  maxBodyBytes?: number;
  /** CORS; without it no origin is granted CORS. */
  origins?: OriginPolicy;
  /** The most tokens a document may have (GATEWAY_MAX_TOKENS). */
  maxTokens?: number;
}

/** A request refused before GraphQL sees it, with its HTTP status. */
class RefusedRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * POST and GET /graphql on Node's own request and response, without express: on a query answered
 * from an identical one in flight, express's per-request work was half the gateway's CPU time. In
 * order: CORS (a preflight is answered here), the Accept header (406 when the client accepts no
 * GraphQL response), the client's identity (no token: anonymous; a token that does not verify:
 * 401), the JSON body (application/json in UTF-8, at most 1 MiB, an object or an array), then
 * Apollo Server (CSRF prevention, operation limits, mutation rate limit), with identical queries in
 * flight sharing one execution (query-coalescing.ts). Refusals and failures answer in GraphQL's
 * error shape, with the status codes of the GraphQL over HTTP specification.
 */
export function graphqlHandler({
  apollo,
  verifyToken,
  metrics,
  logger,
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  origins,
  maxTokens,
}: GraphQLHandlerOptions) {
  const queries = new InFlightQueries(metrics, maxTokens);

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (origins?.answerCors(req, res)) return;
    // Checked before anything runs: Apollo Server would check it only after executing a mutation.
    if (!acceptsAnyGraphQLResponse(req.headers.accept)) {
      sendErrors(req, res, 406, `the Accept header must allow ${APPLICATION_JSON} or application/graphql-response+json`, 'BAD_REQUEST');
      return;
    }
    let identity: Identity | null;
    try {
      const token = bearerToken(req.headers.authorization);
      identity = token ? await verifyToken(token) : null;
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      metrics.refusedTokens.inc();
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      sendErrors(req, res, 401, `unauthenticated: ${err.message}`, 'UNAUTHENTICATED');
      return;
    }
    const rawBody = await readJsonBody(req, maxBodyBytes);
    const body = rawBody === undefined ? undefined : parseJsonBody(rawBody);
    // graphql-js validates a subscription's root field by collecting its fields without variables,
    // which throws on `@include(if: $x)`: Apollo Server would answer 500. None runs over HTTP anyway.
    const query = requestedQuery(req, body);
    if (query !== null && queries.holdsSubscription(query)) {
      const mediaType = responseMediaType(req.headers.accept) ?? APPLICATION_JSON;
      sendErrors(req, res, mediaType === APPLICATION_JSON ? 200 : 400, SUBSCRIPTION_OVER_HTTP, 'OPERATION_RESOLUTION_FAILURE');
      return;
    }
    const context = async (): Promise<ClientContext> => ({ identity, clientAddress: req.socket.remoteAddress });
    const execute = () => apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: apolloRequestOf(req, body), context });
    const key = queries.keyOf({ method: req.method ?? '', url: req.url ?? '', accept: req.headers.accept, rawBody, body }, identity);
    await send(res, await (key === null ? execute() : queries.answer(key, execute)));
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    answer(req, res).catch((err: Error) => {
      if (res.headersSent) {
        res.destroy(err);
        return;
      }
      if (err instanceof RefusedRequest) {
        // The rest of an unread body is not worth reading: the connection closes after the answer.
        if (!req.complete) res.setHeader('Connection', 'close');
        sendErrors(req, res, err.status, err.message, 'BAD_REQUEST');
        return;
      }
      logger.error({ err: err.message }, 'request failed');
      sendErrors(req, res, 500, 'internal error', 'INTERNAL_SERVER_ERROR');
    });
  };
}

/**
 * A document whose operation cannot be picked (several and no operationName, or an unknown name):
 * @apollo/gateway throws on it while executing, which Apollo Server answers with 500. Refused here
 * first, as graphql-js words it, with 400 (200 for application/json clients, see `statusFor`).
 */
export function unresolvedOperationPlugin(): ApolloServerPlugin<ClientContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation) return;
          const message = request.operationName
            ? `Unknown operation named "${request.operationName}".`
            : 'Must provide operation name if query contains multiple operations.';
          throw new GraphQLError(message, {
            extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400, headers: new HeaderMap() } },
          });
        },
      };
    },
  };
}

const SUBSCRIPTION_OVER_HTTP = 'Subscriptions are not served over HTTP: open a graphql-ws WebSocket on this same path.';

/** The document of a POST body or of a GET's `query` parameter, when there is one. */
function requestedQuery(req: IncomingMessage, body: unknown): string | null {
  if (req.method === 'GET') return new URL(req.url ?? '', 'http://gateway').searchParams.get('query');
  const query = typeof body === 'object' && body !== null ? (body as { query?: unknown }).query : undefined;
  return typeof query === 'string' ? query : null;
}

/** The body of a JSON request, whole, as text; undefined when there is none or it is not JSON (Apollo Server then says what it expects). */
async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const contentType = req.headers['content-type'];
  if (!contentType) return undefined;
  const [mediaType, ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return undefined;
  const charset = parameters
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8') throw new RefusedRequest(415, `unsupported charset "${charset}"`);
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') throw new RefusedRequest(415, `unsupported content encoding "${encoding}"`);
  if (Number(req.headers['content-length']) > maxBytes) throw new RefusedRequest(413, 'request entity too large');

  const chunks: Buffer[] = [];
  let size = 0;
  const body = await new Promise<Buffer>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      reject(new RefusedRequest(413, 'request entity too large'));
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
  return body.length === 0 ? undefined : body.toString('utf8');
}

/** Like express.json in strict mode: the body must be a JSON object or array. */
function parseJsonBody(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') throw new RefusedRequest(400, 'the JSON body must be an object or an array');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RefusedRequest(400, (err as Error).message);
  }
}

function apolloRequestOf(req: IncomingMessage, body: unknown): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url ?? '';
  const queryStart = url.indexOf('?');
  return { method: (req.method ?? '').toUpperCase(), headers, search: queryStart === -1 ? '' : url.slice(queryStart), body };
}

/** Writes Apollo Server's answer; `end` with the whole body sends it with its length in one write. */
async function send(res: ServerResponse, answer: HTTPGraphQLResponse): Promise<void> {
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.statusCode = statusFor(answer);
  if (answer.body.kind === 'complete') {
    res.end(answer.body.string);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * Apollo Server answers 400 to a document that does not parse or validate, to variables that do
 * not coerce and to an operation it cannot pick. GraphQL over HTTP wants 400 there only for
 * application/graphql-response+json; a client of the legacy application/json gets 200 (the errors
 * are in the body). Other refusals (a malformed request: 400, 405, 406, 415, 429) keep their status.
 */
function statusFor(answer: HTTPGraphQLResponse): number {
  const status = answer.status ?? 200;
  if (status !== 400 || answer.body.kind !== 'complete' || !answer.headers.get('content-type')?.startsWith(APPLICATION_JSON)) return status;
  const result = JSON.parse(answer.body.string) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
  const refusedByGraphQL =
    result.data === undefined &&
    result.errors !== undefined &&
    result.errors.length > 0 &&
    result.errors.every((error) => DOCUMENT_ERROR_CODES.has(String(error.extensions?.code)));
  return refusedByGraphQL ? 200 : status;
}

/** A refusal of the handler itself, in the media type the client accepts. */
function sendErrors(req: IncomingMessage, res: ServerResponse, status: number, message: string, code: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', `${responseMediaType(req.headers.accept) ?? APPLICATION_JSON}; charset=utf-8`);
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}
