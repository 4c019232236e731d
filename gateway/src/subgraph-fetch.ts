import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { CORRELATION_ID_HEADER, SpanKind, TRACE_HEADERS, acceptedCorrelationId, inSpan, traceHttpRequest } from '@shop/events';
import { type Identity, signInternalRequest } from '@shop/platform';
import { GraphQLError } from 'graphql';
import { type Agent, request } from 'undici';
import type { GatewayMetrics } from './metrics';

/** What every gateway operation carries: the client identity verified from its token, or null. */
export interface GatewayContext {
  identity: Identity | null;
}

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherRequestInit = NonNullable<Parameters<Fetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

// willSendRequest knows the caller, the fetcher sees the final bytes: request headers are the only
// per-request channel between the two. The fetcher takes these off before anything is sent.
const IDENTITY_HANDOFF = 'x-gateway-identity';
const SHAREABLE_HANDOFF = 'x-gateway-shareable';

const CALLER = 'gateway';

/** Headers that differ between requests asking the same thing: identical fetches in flight share one regardless. */
const PER_REQUEST_HEADERS = [CORRELATION_ID_HEADER, ...TRACE_HEADERS];

/**
 * Answers a client request with its correlation id settled: the client's `x-correlation-id` if it
 * sent a fit one, else a new one, set on the request (each subgraph fetch forwards it) and echoed in
 * the response; with tracing on, inside the gateway's request span.
 */
export function correlateRequest(req: IncomingMessage, res: ServerResponse, handle: () => void): void {
  const correlationId = acceptedCorrelationId(req.headers[CORRELATION_ID_HEADER]) ?? randomUUID();
  req.headers[CORRELATION_ID_HEADER] = correlationId;
  res.setHeader(CORRELATION_ID_HEADER, correlationId);
  traceHttpRequest('graphql gateway', req, res, handle);
}

/** The headers through which willSendRequest hands the caller, and whether its fetch may be shared, to the fetcher. */
export function handoffHeaders(identity: Identity | null, shareable: boolean): Record<string, string> {
  return {
    // Encoded: a header value cannot carry every character a token's claims may hold.
    ...(identity ? { [IDENTITY_HANDOFF]: encodeURIComponent(JSON.stringify(identity)) } : {}),
    ...(shareable ? { [SHAREABLE_HANDOFF]: 'yes' } : {}),
  };
}

/** A subgraph's answer, read whole so that identical fetches in flight can share it. */
interface SubgraphReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Fetches from one subgraph: signs each request with INTERNAL_SIGNING_KEY over the exact body
 * sent, and lets identical queries in flight (same body, same identity, same headers) share one
 * fetch. Mutations, and every fetch of a client mutation, are never shared.
 */
export class SubgraphFetcher {
  private readonly inFlight = new Map<string, Promise<SubgraphReply>>();
  private readonly path: string;

  constructor(
    private readonly subgraph: { name: string; url: string },
    private readonly agent: Agent,
    private readonly signingKey: string,
    private readonly metrics: GatewayMetrics,
  ) {
    const target = new URL(subgraph.url);
    this.path = target.pathname + target.search;
  }

  readonly fetch = async (url: string, init: FetcherRequestInit = {}): Promise<FetcherResponse> => {
    const body = String(init.body ?? '');
    const { [IDENTITY_HANDOFF]: identityJson, [SHAREABLE_HANDOFF]: shareable, ...headers } = init.headers ?? {};
    const identity = identityJson ? (JSON.parse(decodeURIComponent(identityJson)) as Identity) : null;
    if (shareable !== 'yes') return new ReplyResponse(url, await this.send(headers, identity, body));

    // One fetcher serves one subgraph URL, so the URL is part of every key of this map.
    const sameFor = Object.entries(init.headers ?? {}).filter(([name]) => !PER_REQUEST_HEADERS.includes(name));
    const key = `${JSON.stringify(sameFor)}\n${body}`;
    let reply = this.inFlight.get(key);
    if (reply) {
      this.metrics.sharedSubgraphFetches.inc({ subgraph: this.subgraph.name });
    } else {
      reply = this.send(headers, identity, body);
      this.inFlight.set(key, reply);
      const forget = () => this.inFlight.delete(key);
      reply.then(forget, forget);
    }
    return new ReplyResponse(url, await reply);
  };

  private async send(headers: Record<string, string>, identity: Identity | null, body: string): Promise<SubgraphReply> {
    const signature = signInternalRequest(this.signingKey, { caller: CALLER, identity, method: 'POST', path: this.path, body });
    const endTimer = this.metrics.subgraphRequestDuration.startTimer({ subgraph: this.subgraph.name });
    const sent = { ...headers, ...signature };
    try {
      const reply = await inSpan(
        `subgraph fetch ${this.subgraph.name}`,
        { kind: SpanKind.CLIENT, attributes: { 'server.address': this.subgraph.url }, injectInto: sent },
        async () => {
          const response = await request(this.subgraph.url, { method: 'POST', headers: sent, body, dispatcher: this.agent });
          return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
        },
      );
      endTimer({ outcome: reply.status < 300 ? 'ok' : 'http_error' });
      return reply;
    } catch (err) {
      endTimer({ outcome: 'unreachable' });
      // The client learns which service failed, not the network details of the inside.
      throw new GraphQLError(`the ${this.subgraph.name} service is unavailable`, {
        extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: this.subgraph.name },
        originalError: err as Error,
      });
    }
  }
}

/** The fetch response RemoteGraphQLDataSource reads, over a reply already in memory. */
class ReplyResponse implements FetcherResponse {
  readonly bodyUsed = false;
  readonly redirected = false;
  readonly status: number;
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers = new Headers();

  constructor(
    readonly url: string,
    private readonly reply: SubgraphReply,
  ) {
    this.status = reply.status;
    this.ok = reply.status >= 200 && reply.status < 300;
    this.statusText = STATUS_CODES[reply.status] ?? '';
    for (const [name, value] of Object.entries(reply.headers)) {
      for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) this.headers.append(name, one);
    }
  }

  text(): Promise<string> {
    return Promise.resolve(this.reply.body);
  }

  // Each reader parses its own copy: the gateway merges answers into its results in place.
  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.reply.body));
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(new TextEncoder().encode(this.reply.body).buffer as ArrayBuffer);
  }

  clone(): ReplyResponse {
    return new ReplyResponse(this.url, this.reply);
  }
}

/**
 * The data source of one subgraph: hands the verified identity, and whether the fetch may be
 * shared, to the signing fetcher. Schema loading (introspection) goes out anonymous and signed.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(fetcher: SubgraphFetcher, url: string) {
    super({ url, fetcher: fetcher.fetch });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!('incomingRequestContext' in options)) return; // loading the schema: anonymous
    const shareable = options.incomingRequestContext.operation?.operation === 'query';
    for (const [name, value] of Object.entries(handoffHeaders(options.context.identity, shareable))) {
      options.request.http!.headers.set(name, value);
    }
    const correlationId = options.incomingRequestContext.request.http?.headers.get(CORRELATION_ID_HEADER);
    if (correlationId) options.request.http!.headers.set(CORRELATION_ID_HEADER, correlationId);
  }
}
