import { CORRELATION_ID_HEADER } from '@shop/events';
import { GraphQLError } from 'graphql';
import { Agent, request } from 'undici';
import { type Identity, signInternalRequest } from './identity';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

export interface InternalClientOptions {
  /** Who is calling, e.g. `cart-service`. */
  caller: string;
  signingKey: string;
  /** How long to wait for the answer to start, and then for each part of it (5 s). */
  timeoutMs?: number;
  /** The request this call serves, so the callee's logs and messages carry the same correlation id. */
  correlationId?: string;
}

/**
 * Keep-alive connections to the subgraphs. The subgraphs are single-threaded Node processes on a
 * 2-core machine: a bounded pool of warm connections per subgraph is all the parallelism they can
 * use, and HTTP pipelining would only queue fast answers behind slow ones on one socket.
 */
export function createSubgraphAgent(): Agent {
  return new Agent({
    connections: 32,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
}

/** One pool of connections for every internal call of this process. */
const agent = createSubgraphAgent();

/**
 * A service calling another subgraph for a customer (cart reading product and stock, checkout
 * reading the cart): signed like the gateway's requests, so the callee applies the customer's
 * rights, not the caller's.
 */
export class InternalClient {
  constructor(private readonly options: InternalClientOptions) {}

  /** The same client, calling on behalf of the request with this correlation id. */
  withCorrelationId(correlationId: string): InternalClient {
    return new InternalClient({ ...this.options, correlationId });
  }

  /** The data, or the first error as a GraphQL error with its code. */
  async query<T>(url: string, query: string, variables: Record<string, unknown>, identity: Identity | null): Promise<T> {
    const result = await this.request<T>(url, query, variables, identity);
    if (result.errors?.length) {
      const [first] = result.errors;
      throw new GraphQLError(first.message, { extensions: { code: first.extensions?.code ?? 'INTERNAL_SERVER_ERROR' } });
    }
    return result.data as T;
  }

  /** The whole GraphQL response, errors included. */
  async request<T>(url: string, query: string, variables: Record<string, unknown>, identity: Identity | null): Promise<GraphQLResponse<T>> {
    const body = JSON.stringify({ query, variables });
    const target = new URL(url);
    const headers = signInternalRequest(this.options.signingKey, {
      caller: this.options.caller,
      identity,
      method: 'POST',
      path: target.pathname + target.search,
      body,
    });
    // undici's request rather than fetch: fetch's web streams and abort signal cost a few times
    // the CPU of the call itself, and services make such a call on every checkout.
    let result: GraphQLResponse<T> | null;
    let status: number;
    try {
      const response = await request(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...headers,
          ...(this.options.correlationId ? { [CORRELATION_ID_HEADER]: this.options.correlationId } : {}),
        },
        body,
        dispatcher: agent,
        headersTimeout: this.options.timeoutMs ?? 5_000,
        bodyTimeout: this.options.timeoutMs ?? 5_000,
      });
      status = response.statusCode;
      result = (await response.body.json().catch(() => null)) as GraphQLResponse<T> | null;
    } catch (err) {
      throw unavailable(target, (err as Error).message);
    }
    if (!result || (!result.data && !result.errors)) throw unavailable(target, `HTTP ${status}`);
    return result;
  }
}

const unavailable = (target: URL, reason: string) =>
  new GraphQLError(`a service this needs is unavailable (${target.host}): ${reason}`, { extensions: { code: 'SERVICE_UNAVAILABLE' } });
