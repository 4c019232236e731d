import type { GraphQLFormattedError } from 'graphql';
import { OPERATION_LIMIT, operationLimitErrorOf } from './operation-limits';

/** What the client may learn from an error. */
export interface ClientErrorPolicy {
  /** Production mode: no field suggestions (they map the schema for someone who may not introspect it). */
  production: boolean;
  maxTokens: number;
}

/** graphql-js's suggestions: `Did you mean "name"?`, `Did you mean the enum value "PAID"?`, ... */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

export const withoutSuggestions = (message: string): string => message.replace(SUGGESTION, '');

/**
 * Apollo Server's formatError: an operation limit is told as OPERATION_LIMIT (Apollo Server gives
 * it its parse or validation code). Production mode drops field suggestions, and the stack traces
 * a subgraph may have sent along with its errors (the gateway adds its own only outside production).
 */
export function formatClientError(policy: ClientErrorPolicy) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const limit = operationLimitErrorOf(error, policy.maxTokens);
    const shaped = limit
      ? { ...formatted, message: limit.message, extensions: { ...formatted.extensions, code: OPERATION_LIMIT } }
      : formatted;
    if (!policy.production) return shaped;
    const { stacktrace: _stacktrace, ...extensions } = shaped.extensions ?? {};
    return { ...shaped, message: withoutSuggestions(shaped.message), ...(shaped.extensions ? { extensions } : {}) };
  };
}
