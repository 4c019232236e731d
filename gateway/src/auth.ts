import type { Config, Identity } from '@shop/platform';
import { type JWTPayload, SignJWT, createRemoteJWKSet, errors, jwtVerify } from 'jose';

/** Client token settings: an HS256 secret, or a JWKS address, plus the required issuer and audience. */
export type TokenSettings = Config['jwt'];

/** How far a token's `exp` and `nbf` may be off the gateway's clock. */
export const CLOCK_TOLERANCE_SECONDS = 30;

const HMAC_ALGORITHMS = ['HS256'];
// A JWKS serves public keys; symmetric algorithms are never taken from it.
const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** A client token the gateway refuses; the message says why, without echoing the token. */
export class InvalidTokenError extends Error {}

/**
 * The token in an `Authorization` header: null when the client sent none (anonymous), an error
 * when it sent something that is not a bearer token.
 */
export function bearerToken(authorization: string | undefined): string | null {
  if (authorization === undefined || authorization.trim() === '') return null;
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(authorization);
  if (!match) throw new InvalidTokenError('the Authorization header must be "Bearer <token>"');
  return match[1];
}

export type TokenVerifier = (token: string) => Promise<Identity>;

/** Verifies client tokens: the pinned algorithms, a required `exp`, `iss` and `aud` checked, then the claims. */
export function createTokenVerifier(settings: TokenSettings): TokenVerifier {
  const verifySignatureAndClaims = signatureAndClaimsCheck(settings);
  return async (token) => {
    let payload: JWTPayload;
    try {
      payload = await verifySignatureAndClaims(token);
    } catch (err) {
      throw new InvalidTokenError(describeJoseError(err));
    }
    return identityOf(payload);
  };
}

function signatureAndClaimsCheck(settings: TokenSettings): (token: string) => Promise<JWTPayload> {
  const claims = {
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp', 'sub'],
  };
  if (settings.jwksUrl) {
    const jwks = createRemoteJWKSet(new URL(settings.jwksUrl));
    return async (token) => (await jwtVerify(token, jwks, { ...claims, algorithms: JWKS_ALGORITHMS })).payload;
  }
  if (settings.secret) {
    const secret = new TextEncoder().encode(settings.secret);
    return async (token) => (await jwtVerify(token, secret, { ...claims, algorithms: HMAC_ALGORITHMS })).payload;
  }
  throw new Error('client tokens need JWT_SECRET or JWKS_URL');
}

function describeJoseError(err: unknown): string {
  // The key source failing is not the token's fault: an error of the gateway, not a 401.
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) throw err;
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim "${err.claim}" is not valid (${err.reason})`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature is not valid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key matches the token';
  if (err instanceof errors.JOSEError) return 'token is malformed';
  throw err;
}

function identityOf(payload: JWTPayload): Identity {
  const { sub, role, email } = payload as JWTPayload & { role?: unknown; email?: unknown };
  if (typeof sub !== 'string' || sub === '') throw new InvalidTokenError('token claim "sub" is not valid');
  if (role !== 'customer' && role !== 'admin') throw new InvalidTokenError('token claim "role" must be "customer" or "admin"');
  if (email !== undefined && typeof email !== 'string') throw new InvalidTokenError('token claim "email" must be a string');
  return { sub, role, ...(email ? { email } : {}) };
}

/** A client token for this identity, signed with the HS256 secret (the `npm run token` command, and tests). */
export async function signClientToken(settings: TokenSettings, identity: Identity, ttlSeconds: number, now = Date.now()): Promise<string> {
  if (!settings.secret)
    throw new Error('signing a client token needs JWT_SECRET (tokens verified through JWKS_URL come from their issuer)');
  const issuedAt = Math.floor(now / 1000);
  return new SignJWT({ role: identity.role, ...(identity.email ? { email: identity.email } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(identity.sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(new TextEncoder().encode(settings.secret));
}
