import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Who a request acts for, as the gateway verified it from the client's token. */
export interface Identity {
  sub: string;
  role: 'customer' | 'admin';
  email?: string;
}

export const INTERNAL_HEADERS = {
  identity: 'x-internal-identity',
  caller: 'x-internal-caller',
  timestamp: 'x-internal-timestamp',
  signature: 'x-internal-signature',
} as const;

/** How long a signature stays valid, either side of the verifier's clock. */
export const SIGNATURE_LIFETIME_MS = 60_000;

const ANONYMOUS = '-';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function signatureOf(
  key: string,
  parts: { timestamp: string; caller: string; identity: string; method: string; path: string; body: Buffer | string },
): string {
  const material = [parts.timestamp, parts.caller, parts.identity, `${parts.method.toUpperCase()} ${parts.path}`, sha256(parts.body)].join(
    '\n',
  );
  return createHmac('sha256', key).update(material).digest('hex');
}

/**
 * Headers that let a subgraph trust a request: the identity it acts for, who sends it, when, and
 * an HMAC over all of that plus the method, path and body, made with INTERNAL_SIGNING_KEY.
 */
export function signInternalRequest(
  key: string,
  request: { caller: string; identity: Identity | null; method: string; path: string; body: Buffer | string },
  now = Date.now(),
): Record<string, string> {
  const identity = request.identity ? Buffer.from(JSON.stringify(request.identity)).toString('base64url') : ANONYMOUS;
  const timestamp = String(now);
  return {
    [INTERNAL_HEADERS.identity]: identity,
    [INTERNAL_HEADERS.caller]: request.caller,
    [INTERNAL_HEADERS.timestamp]: timestamp,
    [INTERNAL_HEADERS.signature]: signatureOf(key, { ...request, identity, timestamp }),
  };
}

export type Verification = { ok: true; identity: Identity | null; caller: string } | { ok: false; reason: string };

export function verifyInternalRequest(
  key: string,
  request: { headers: Record<string, string | string[] | undefined>; method: string; path: string; body: Buffer | string },
  now = Date.now(),
): Verification {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? undefined : value;
  };
  const identity = header(INTERNAL_HEADERS.identity);
  const caller = header(INTERNAL_HEADERS.caller);
  const timestamp = header(INTERNAL_HEADERS.timestamp);
  const signature = header(INTERNAL_HEADERS.signature);
  if (!identity || !caller || !timestamp || !signature) return { ok: false, reason: 'missing internal signature' };
  const at = Number(timestamp);
  if (!Number.isFinite(at) || Math.abs(now - at) > SIGNATURE_LIFETIME_MS) return { ok: false, reason: 'internal signature expired' };
  const expected = Buffer.from(
    signatureOf(key, { timestamp, caller, identity, method: request.method, path: request.path, body: request.body }),
    'hex',
  );
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid internal signature' };
  if (identity === ANONYMOUS) return { ok: true, identity: null, caller };
  try {
    const parsed = JSON.parse(Buffer.from(identity, 'base64url').toString('utf8')) as Identity;
    if (typeof parsed.sub !== 'string' || (parsed.role !== 'customer' && parsed.role !== 'admin')) {
      return { ok: false, reason: 'malformed identity' };
    }
    return { ok: true, identity: { sub: parsed.sub, role: parsed.role, ...(parsed.email ? { email: parsed.email } : {}) }, caller };
  } catch {
    return { ok: false, reason: 'malformed identity' };
  }
}
