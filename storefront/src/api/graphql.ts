import { type Client, createClient } from 'graphql-ws';

/** A GraphQL error the gateway answered with; `code` is its extensions.code (NOT_FOUND, BAD_USER_INPUT, ...). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface GraphQLResult<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One query or mutation over HTTP POST to the gateway's public /graphql, as `token`'s holder (anonymous without one). */
export async function request<T>(query: string, variables: Record<string, unknown> = {}, token?: string | null): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const result = (await response.json().catch(() => ({}))) as GraphQLResult<T>;
  if (result.errors?.length) throw new ApiError(result.errors[0].message, result.errors[0].extensions?.code);
  if (!response.ok || !result.data) throw new ApiError(`the gateway answered ${response.status}`);
  return result.data;
}

export interface Subscriber<T> {
  next(data: T): void;
  error?(error: ApiError): void;
  complete?(): void;
}

// One graphql-ws connection per identity, opened on the first subscription and reused by the others.
const clients = new Map<string, Client>();

function clientFor(token: string | null): Client {
  const key = token ?? '';
  let client = clients.get(key);
  if (!client) {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    client = createClient({
      url,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      // A gateway restart or a network blip: reconnect, and the subscriptions start again with the current state.
      retryAttempts: 1000,
      shouldRetry: () => true,
    });
    clients.set(key, client);
  }
  return client;
}

/** Subscribes over graphql-ws on /graphql; returns the function that ends the subscription. */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
  subscriber: Subscriber<T>,
): () => void {
  return clientFor(token).subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors?.length) {
          const [first] = result.errors;
          subscriber.error?.(new ApiError(first.message, (first.extensions as { code?: string } | undefined)?.code));
        } else if (result.data) subscriber.next(result.data as T);
      },
      error: (err) => subscriber.error?.(new ApiError(describeSocketError(err))),
      complete: () => subscriber.complete?.(),
    },
  );
}

function describeSocketError(err: unknown): string {
  if (Array.isArray(err)) return (err as { message: string }[]).map((e) => e.message).join('; ');
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'reason' in err)
    return `connection closed: ${String((err as CloseEvent).reason || (err as CloseEvent).code)}`;
  return 'the live connection failed';
}
