import { ConfigError } from '@shop/platform';
import { type JWTPayload, SignJWT, UnsecuredJWT, exportSPKI } from 'jose';
import { InvalidTokenError, type TokenVerifier, createTokenVerifier } from '../auth';
import { startGateway } from '../gateway';
import { type TestJwks, startTestJwks } from './testing';

// Client tokens verified through a JWKS served from a local HTTP server, attacked with the usual
// forgeries; and production mode refusing to start without its secrets.

const issuer = 'https://id.shop.example';
const audience = 'shop-api';
const nowSeconds = () => Math.floor(Date.now() / 1000);
const claims = (change: JWTPayload = {}): JWTPayload => ({
  sub: 'c-jwks',
  role: 'customer',
  iss: issuer,
  aud: audience,
  exp: nowSeconds() + 60,
  ...change,
});

describe('client tokens verified through JWKS_URL', () => {
  let jwks: TestJwks;
  let verify: TokenVerifier;

  beforeAll(async () => {
    jwks = await startTestJwks();
    verify = createTokenVerifier({ jwksUrl: jwks.url, issuer, audience });
  });

  afterAll(async () => {
    await jwks?.stop();
  });

  const refusal = (token: string) =>
    verify(token).then(
      () => 'accepted',
      (err: Error) => (err instanceof InvalidTokenError ? err.message : `threw ${err}`),
    );

  it.each(['RS256', 'ES256'] as const)('accepts a %s token signed with a key of the JWKS', async (alg) => {
    await expect(verify(await jwks.sign(claims({ role: 'admin' }), alg))).resolves.toEqual({ sub: 'c-jwks', role: 'admin' });
  });

  it('refuses an HS256 token whose secret is the public key of the JWKS (algorithm confusion)', async () => {
    const publicKeyAsSecret = new TextEncoder().encode(await exportSPKI(jwks.keys.RS256.publicKey));
    const forged = await new SignJWT(claims({ role: 'admin' })).setProtectedHeader({ alg: 'HS256', kid: 'RS256' }).sign(publicKeyAsSecret);
    await expect(refusal(forged)).resolves.toBe('token algorithm not allowed');
  });

  it('refuses an unsigned token (alg none)', async () => {
    await expect(refusal(new UnsecuredJWT(claims({ role: 'admin' })).encode())).resolves.toBe('token algorithm not allowed');
  });

  it.each([
    ['expired', { exp: nowSeconds() - 600 }, 'token expired'],
    ['without expiry', { exp: undefined }, 'token claim "exp" is not valid (missing)'],
    ['from another issuer', { iss: 'https://id.evil.example' }, 'token claim "iss" is not valid (check_failed)'],
    ['for another audience', { aud: 'another-api' }, 'token claim "aud" is not valid (check_failed)'],
  ])('refuses a token %s', async (_, change, reason) => {
    await expect(refusal(await jwks.sign(claims(change), 'RS256'))).resolves.toBe(reason);
  });

  it('refuses a token signed with a key the JWKS does not hold, under its own kid or a known one', async () => {
    const stranger = await startTestJwks();
    try {
      await expect(refusal(await stranger.sign(claims(), 'RS256', 'unknown-kid'))).resolves.toBe('no key matches the token');
      await expect(refusal(await stranger.sign(claims(), 'RS256'))).resolves.toBe('token signature is not valid');
    } finally {
      await stranger.stop();
    }
  });
});

describe('production mode (NODE_ENV=production)', () => {
  it.each([
    [{}, 'production mode needs JWT_SECRET (or JWKS_URL) and INTERNAL_SIGNING_KEY: refusing to start with development defaults'],
    [{ JWT_SECRET: 'a-production-secret-0123456789-0123456789' }, 'production mode needs INTERNAL_SIGNING_KEY'],
    [{ JWKS_URL: 'https://id.shop.example/jwks.json' }, 'production mode needs INTERNAL_SIGNING_KEY'],
    [{ INTERNAL_SIGNING_KEY: 'a-production-key-0123456789-0123456789' }, 'production mode needs JWT_SECRET (or JWKS_URL):'],
  ])('refuses to start the gateway with %j, saying what is missing', async (secrets, message) => {
    const started = startGateway({ env: { NODE_ENV: 'production', ...secrets } });
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(message);
  });
});
