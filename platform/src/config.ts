import { z } from 'zod';

/** Default ports (INTERFACES.md); `PORT` overrides a service's, `GATEWAY_PORT` the gateway's. */
export const PORTS = {
  gateway: 4000,
  product: 4001,
  inventory: 4002,
  cart: 4003,
  order: 4004,
  payment: 4005,
  checkout: 4006,
  analytics: 4007,
  email: 4008,
} as const;

export type ServiceName = Exclude<keyof typeof PORTS, 'gateway'>;
export const SERVICE_NAMES = Object.keys(PORTS).filter((name) => name !== 'gateway') as ServiceName[];

// Development defaults. Production mode refuses to start on any of them.
const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-in-production-0123456789';
const DEV_INTERNAL_SIGNING_KEY = 'dev-only-internal-signing-key-change-me-0123456789';

/** The value of INSECURE_SKIP_SIGNATURE_CHECK that lets unsigned requests into a subgraph (benchmarks against gateways that cannot sign). */
export const INSECURE_SKIP_SIGNATURE_CHECK_VALUE = 'benchmark-only';

const Env = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  DATABASE_URL: z.string().optional(),
  AMQP_URL: z.string().default('amqp://guest:guest@127.0.0.1:5672'),
  QUEUE_PREFIX: z.string().default(''),
  JWT_SECRET: z.string().optional(),
  JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().default('shop-dev'),
  JWT_AUDIENCE: z.string().default('shop-api'),
  INTERNAL_SIGNING_KEY: z.string().optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(5),
  // The one accepted value spells out what it is for, so that it cannot be switched on by a habit like "true".
  INSECURE_SKIP_SIGNATURE_CHECK: z
    .literal(INSECURE_SKIP_SIGNATURE_CHECK_VALUE, { error: `must be "${INSECURE_SKIP_SIGNATURE_CHECK_VALUE}" or unset` })
    .optional(),
});

export interface Config {
  production: boolean;
  port: number;
  databaseUrl: string;
  amqpUrl: string;
  queuePrefix: string;
  jwt: { secret?: string; jwksUrl?: string; issuer: string; audience: string };
  internalSigningKey: string;
  dbPoolMax: number;
  /**
   * INSECURE_SKIP_SIGNATURE_CHECK=benchmark-only: a subgraph answers requests that carry no internal
   * signature, as anonymous. Signed requests are still verified. Refused in production mode.
   */
  insecureSkipSignatureCheck: boolean;
  /** Where each subgraph is reached (`<NAME>_URL`). */
  serviceUrls: Record<ServiceName, string>;
  /** Development defaults in use, to announce at start. */
  devDefaults: string[];
}

export class ConfigError extends Error {}

/** Settings from the environment; anything invalid is one ConfigError naming each variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Reads the environment for one service (or the gateway), with development defaults outside production. */
export function loadConfig(service: ServiceName | 'gateway', env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(Env, env);
  const production = e.NODE_ENV === 'production';
  const devDefaults: string[] = [];
  const missing: string[] = [];
  const secret = (name: string, value: string | undefined, fallback: string): string => {
    if (value) return value;
    if (production) missing.push(name);
    devDefaults.push(name);
    return fallback;
  };
  const jwtSecret = e.JWKS_URL ? e.JWT_SECRET : secret('JWT_SECRET (or JWKS_URL)', e.JWT_SECRET, DEV_JWT_SECRET);
  const internalSigningKey = secret('INTERNAL_SIGNING_KEY', e.INTERNAL_SIGNING_KEY, DEV_INTERNAL_SIGNING_KEY);
  if (missing.length > 0) {
    throw new ConfigError(`production mode needs ${missing.join(' and ')}: refusing to start with development defaults`);
  }
  const insecureSkipSignatureCheck = e.INSECURE_SKIP_SIGNATURE_CHECK !== undefined;
  if (production && insecureSkipSignatureCheck) {
    throw new ConfigError(
      'INSECURE_SKIP_SIGNATURE_CHECK is set: refusing to start in production mode, because it lets unsigned requests reach the subgraphs as anonymous (it exists for benchmarks only)',
    );
  }
  const port = service === 'gateway' ? (e.GATEWAY_PORT ?? e.PORT ?? PORTS.gateway) : (e.PORT ?? PORTS[service]);
  const serviceUrls = Object.fromEntries(
    SERVICE_NAMES.map((name) => [name, env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${PORTS[name]}/graphql`]),
  ) as Record<ServiceName, string>;
  return {
    production,
    port,
    databaseUrl: e.DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${service}_db`,
    amqpUrl: e.AMQP_URL,
    queuePrefix: e.QUEUE_PREFIX,
    jwt: { secret: jwtSecret, jwksUrl: e.JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
    internalSigningKey,
    dbPoolMax: e.DB_POOL_MAX,
    insecureSkipSignatureCheck,
    serviceUrls,
    devDefaults,
  };
}
