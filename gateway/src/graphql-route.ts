import type { ApolloServer, HTTPGraphQLResponse } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { Identity } from '@shop/platform';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { getOperationAST, parse } from 'graphql';
import type { GatewayMetrics } from './metrics';
import type { GatewayContext } from './subgraph-fetch';

// Operation types of the documents seen lately, so that a document is parsed here once, not per
// request. Past this many, the cache starts again: a client sending ever new documents costs one
// parse each, as it does in Apollo Server anyway.
const MAX_REMEMBERED_DOCUMENTS = 1_000;

const BODY_LIMIT = '1mb';

type RequestWithRawBody = Request & { rawBody?: Buffer };

/**
 * Identical client queries in flight share one execution. Identical means the same caller (the
 * verified identity, or anonymous), the same `Accept` header and the same request body, byte for
 * byte (document, operation name, variables, extensions). Only POSTed queries are shared; a
 * mutation, a subscription, a GET, or a document that does not parse runs on its own. Nothing is
 * kept once the answer is sent.
 */
export class InFlightQueries {
  private readonly inFlight = new Map<string, Promise<HTTPGraphQLResponse>>();
  private readonly operationTypes = new Map<string, string | null>();

  constructor(private readonly metrics: GatewayMetrics) {}

  /** The sharing key of a request, or null when it must run on its own. */
  keyOf(req: RequestWithRawBody, identity: Identity | null): string | null {
    if (req.method !== 'POST' || !req.rawBody) return null;
    const { query, operationName } = (req.body ?? {}) as { query?: unknown; operationName?: unknown };
    if (typeof query !== 'string' || (operationName != null && typeof operationName !== 'string')) return null;
    if (this.operationTypeOf(query, operationName ?? null) !== 'query') return null;
    const caller = identity ? JSON.stringify([identity.sub, identity.role, identity.email ?? null]) : 'anonymous';
    return `${caller}\n${req.headers.accept ?? ''}\n${req.rawBody.toString('utf8')}`;
  }

  /** Runs `execute`, or waits for the identical request already running and answers with its answer. */
  async answer(key: string, execute: () => Promise<HTTPGraphQLResponse>): Promise<HTTPGraphQLResponse> {
    const running = this.inFlight.get(key);
    if (running) {
      const answer = await running;
      // An incremental (multipart) answer streams to one client only: this request runs on its own.
      if (answer.body.kind !== 'complete') return execute();
      this.metrics.coalescedRequests.inc();
      return answer;
    }
    const answer = execute();
    this.inFlight.set(key, answer);
    const forget = () => this.inFlight.delete(key);
    answer.then(forget, forget);
    return answer;
  }

  private operationTypeOf(query: string, operationName: string | null): string | null {
    const documentKey = `${operationName ?? ''}\n${query}`;
    let type = this.operationTypes.get(documentKey);
    if (type === undefined) {
      try {
        type = getOperationAST(parse(query), operationName)?.operation ?? null;
      } catch {
        type = null; // Apollo Server answers it with the parse error
      }
      if (this.operationTypes.size >= MAX_REMEMBERED_DOCUMENTS) this.operationTypes.clear();
      this.operationTypes.set(documentKey, type);
    }
    return type;
  }
}

/**
 * POST and GET /graphql: the JSON body, then Apollo Server, with identical queries in flight
 * sharing one execution. Expects `res.locals.identity` from authentication.
 */
export function graphqlRoute(apollo: ApolloServer<GatewayContext>, metrics: GatewayMetrics): RequestHandler[] {
  const queries = new InFlightQueries(metrics);
  const keepRawBody = (req: RequestWithRawBody, _res: Response, body: Buffer) => {
    req.rawBody = body;
  };
  const answer = async (req: RequestWithRawBody, res: Response, next: NextFunction): Promise<void> => {
    try {
      const identity = res.locals.identity as Identity | null;
      const execute = () => apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: apolloRequestOf(req), context: async () => ({ identity }) });
      const key = queries.keyOf(req, identity);
      await send(res, await (key === null ? execute() : queries.answer(key, execute)));
    } catch (err) {
      next(err);
    }
  };
  return [express.json({ limit: BODY_LIMIT, verify: keepRawBody }), answer];
}

function apolloRequestOf(req: Request) {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const queryStart = req.url.indexOf('?');
  return {
    method: req.method.toUpperCase(),
    headers,
    search: queryStart === -1 ? '' : req.url.slice(queryStart),
    body: req.body as unknown,
  };
}

/** Writes Apollo Server's answer; `end` with the whole body sets its length in one write. */
async function send(res: Response, answer: HTTPGraphQLResponse): Promise<void> {
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.statusCode = answer.status ?? 200;
  if (answer.body.kind === 'complete') {
    res.end(answer.body.string);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}
