import { CORRELATION_ID_HEADER } from '@shop/events';
import { GraphQLError } from 'graphql';
import { type Identity, signInternalRequest } from './identity';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

export interface InternalClientOptions {
  /** Who is calling, e.g. `cart-service`. */
  caller: string;
  signingKey: string;
  timeoutMs?: number;
  /** The request this call serves, so the callee's logs and messages carry the same correlation id. */
  correlationId?: string;
}

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
    let response: Response;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...headers,
          ...(this.options.correlationId ? { [CORRELATION_ID_HEADER]: this.options.correlationId } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch (err) {
      throw unavailable(target, (err as Error).message);
    }
    const result = (await response.json().catch(() => null)) as GraphQLResponse<T> | null;
    if (!result || (!result.data && !result.errors)) throw unavailable(target, `HTTP ${response.status}`);
    return result;
  }
}

const unavailable = (target: URL, reason: string) =>
  new GraphQLError(`a service this needs is unavailable (${target.host}): ${reason}`, { extensions: { code: 'SERVICE_UNAVAILABLE' } });
