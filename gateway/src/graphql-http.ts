import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { Logger } from '@shop/events';
import type { Identity } from '@shop/platform';
import { InvalidTokenError, type TokenVerifier, bearerToken } from './auth';
import type { GatewayMetrics } from './metrics';
import { InFlightQueries } from './query-coalescing';
import type { GatewayContext } from './subgraph-fetch';

const BODY_LIMIT_BYTES = 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** /graphql, with or without a trailing slash or a query string. */
export function isGraphQLPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0];
  return path === '/graphql' || path === '/graphql/';
}

export interface GraphQLHandlerOptions {
  apollo: ApolloServer<GatewayContext>;
  verifyToken: TokenVerifier;
  metrics: GatewayMetrics;
  logger: Logger;
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
 * order: the client's identity (no token: anonymous; a token that does not verify: 401), the JSON
 * body (application/json in UTF-8, at most 1 MiB, an object or an array), then Apollo Server, with
 * identical queries in flight sharing one execution (query-coalescing.ts). Refusals and failures
 * answer in GraphQL's error shape.
 */
export function graphqlHandler({ apollo, verifyToken, metrics, logger }: GraphQLHandlerOptions) {
  const queries = new InFlightQueries(metrics);

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let identity: Identity | null;
    try {
      const token = bearerToken(req.headers.authorization);
      identity = token ? await verifyToken(token) : null;
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      metrics.refusedTokens.inc();
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      sendErrors(res, 401, `unauthenticated: ${err.message}`, 'UNAUTHENTICATED');
      return;
    }
    const rawBody = await readJsonBody(req);
    const body = rawBody === undefined ? undefined : parseJsonBody(rawBody);
    const execute = () =>
      apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: apolloRequestOf(req, body), context: async () => ({ identity }) });
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
        sendErrors(res, err.status, err.message, 'BAD_REQUEST');
        return;
      }
      logger.error({ err: err.message }, 'request failed');
      sendErrors(res, 500, 'internal error', 'INTERNAL_SERVER_ERROR');
    });
  };
}

/** The body of a JSON request, whole, as text; undefined when there is none or it is not JSON (Apollo Server then says what it expects). */
async function readJsonBody(req: IncomingMessage): Promise<string | undefined> {
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
  if (Number(req.headers['content-length']) > BODY_LIMIT_BYTES) throw new RefusedRequest(413, 'request entity too large');

  const chunks: Buffer[] = [];
  let size = 0;
  const body = await new Promise<Buffer>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) {
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
  res.statusCode = answer.status ?? 200;
  if (answer.body.kind === 'complete') {
    res.end(answer.body.string);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}

function sendErrors(res: ServerResponse, status: number, message: string, code: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}
