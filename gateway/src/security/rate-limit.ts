import { HeaderMap } from '@apollo/server';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { ClientContext } from '../graphql-http';

const WINDOW_MS = 60_000;

/**
 * Mutations per caller per minute, in fixed one-minute windows: the counts start again each
 * minute, so memory holds only the callers of the current minute. A caller can fit twice the limit
 * around a window's edge, which is fine for a limit set far above what one person does.
 */
export class MutationRateLimiter {
  private windowStart = 0;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one mutation of this caller: undefined when it may run, otherwise the seconds until it may. */
  take(caller: string): number | undefined {
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.counts.clear();
    }
    const count = (this.counts.get(caller) ?? 0) + 1;
    if (count > this.perMinute) return Math.ceil((this.windowStart + WINDOW_MS - now) / 1000);
    this.counts.set(caller, count);
    return undefined;
  }
}

/** Who a request counts against: the token's `sub`, or the client address for anonymous requests. */
export function rateLimitKey(context: ClientContext): string {
  return context.identity ? `sub:${context.identity.sub}` : `address:${context.clientAddress ?? 'unknown'}`;
}

/** Refuses a mutation past the caller's limit, before it is planned: RATE_LIMITED, HTTP 429 with Retry-After. */
export function mutationRateLimitPlugin(limiter: MutationRateLimiter): ApolloServerPlugin<ClientContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          const retryAfterSeconds = limiter.take(rateLimitKey(contextValue));
          if (retryAfterSeconds === undefined) return;
          throw new GraphQLError(`too many mutations: try again in ${retryAfterSeconds} s`, {
            extensions: {
              code: 'RATE_LIMITED',
              retryAfterSeconds,
              http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
            },
          });
        },
      };
    },
  };
}
