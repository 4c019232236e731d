import { parseEnv } from '@shop/platform';
import { z } from 'zod';

// The gateway's own settings: how much one operation, one request and one client may ask for.
// Defaults follow GraphQL Armor's where they admit every operation of the storefront, the tests
// and the benchmarks; where they do not, the reason is beside the default.

const limit = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const Env = z.object({
  // Armor's 6 refuses a checkout list with its orders' products and stock (7 levels).
  GATEWAY_MAX_DEPTH: limit(10),
  GATEWAY_MAX_ALIASES: limit(15),
  GATEWAY_MAX_DIRECTIVES: limit(50),
  GATEWAY_MAX_TOKENS: limit(1_000),
  // Armor's 5000 refuses a full page (first: 100) of orders with their lines, products and stock.
  GATEWAY_MAX_COST: limit(20_000),
  GATEWAY_MAX_ROOT_FIELDS: limit(10),
  GATEWAY_MAX_BODY_BYTES: limit(1024 * 1024),
  GATEWAY_WS_MAX_PAYLOAD_BYTES: limit(64 * 1024),
  // One person does a few mutations a minute; load tests spread over many customers.
  GATEWAY_RATE_LIMIT_MUTATIONS_PER_MINUTE: limit(1_000),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((list) =>
      list
        ?.split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    )
    .refine((origins) => origins === undefined || origins.every(isOrigin), 'must be origins (scheme://host[:port]), comma-separated'),
});

function isOrigin(text: string): boolean {
  try {
    return new URL(text).origin === text;
  } catch {
    return false;
  }
}

/** The most one operation may ask for, over HTTP and graphql-ws alike. */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  maxRootFields: number;
}

export interface GatewaySettings {
  limits: OperationLimits;
  /** The largest POST body; a larger one is refused with 413. */
  maxBodyBytes: number;
  /** The largest graphql-ws message; a larger one closes the socket (1009). */
  wsMaxPayloadBytes: number;
  /** Mutations per minute per caller (the token's `sub`, or the client address when anonymous). */
  mutationsPerMinute: number;
  /** Browser origins other than the gateway's own that may call it (CORS_ORIGINS, comma-separated); undefined when unset. */
  corsOrigins: string[] | undefined;
}

export function loadGatewaySettings(env: NodeJS.ProcessEnv = process.env): GatewaySettings {
  const e = parseEnv(Env, env);
  return {
    limits: {
      maxDepth: e.GATEWAY_MAX_DEPTH,
      maxAliases: e.GATEWAY_MAX_ALIASES,
      maxDirectives: e.GATEWAY_MAX_DIRECTIVES,
      maxTokens: e.GATEWAY_MAX_TOKENS,
      maxCost: e.GATEWAY_MAX_COST,
      maxRootFields: e.GATEWAY_MAX_ROOT_FIELDS,
    },
    maxBodyBytes: e.GATEWAY_MAX_BODY_BYTES,
    wsMaxPayloadBytes: e.GATEWAY_WS_MAX_PAYLOAD_BYTES,
    mutationsPerMinute: e.GATEWAY_RATE_LIMIT_MUTATIONS_PER_MINUTE,
    corsOrigins: e.CORS_ORIGINS,
  };
}
