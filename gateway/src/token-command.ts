import { parseArgs } from 'node:util';
import { type Identity, loadConfig } from '@shop/platform';
import { signClientToken } from './auth';

export const USAGE = 'usage: npm run token -- --sub <id> [--role customer|admin] [--email <addr>] [--ttl <seconds>]';

export const DEFAULT_TTL_SECONDS = 3600;
const MAX_TTL_SECONDS = 30 * 24 * 3600;

export class UsageError extends Error {}

export interface TokenRequest {
  identity: Identity;
  ttlSeconds: number;
}

/** The token the arguments ask for; anything unknown, missing or malformed is a UsageError. */
export function parseTokenArgs(argv: string[]): TokenRequest {
  let values: { sub?: string; role?: string; email?: string; ttl?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { sub: { type: 'string' }, role: { type: 'string' }, email: { type: 'string' }, ttl: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { sub, role = 'customer', email, ttl } = values;
  if (!sub?.trim()) throw new UsageError('--sub <id> is required');
  if (role !== 'customer' && role !== 'admin') throw new UsageError(`--role must be customer or admin, not "${role}"`);
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError(`--email must be an address, not "${email}"`);
  const ttlSeconds = ttl === undefined ? DEFAULT_TTL_SECONDS : Number(ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new UsageError(`--ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}, not "${ttl}"`);
  }
  return { identity: { sub, role, ...(email ? { email } : {}) }, ttlSeconds };
}

/**
 * `npm run token`: prints a client token for the configured secret, issuer and audience as the
 * last line of output. Returns the exit code: 2 for bad arguments, 1 when no token can be signed.
 */
export async function runTokenCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  output: { out: (line: string) => void; err: (line: string) => void },
): Promise<number> {
  let request: TokenRequest;
  try {
    request = parseTokenArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    output.err(`error: ${err.message}`);
    output.err(USAGE);
    return 2;
  }
  try {
    const { jwt } = loadConfig('gateway', env);
    output.out(await signClientToken(jwt, request.identity, request.ttlSeconds));
    return 0;
  } catch (err) {
    output.err(`error: ${(err as Error).message}`);
    return 1;
  }
}
