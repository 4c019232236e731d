import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { CLOCK_TOLERANCE_SECONDS, InvalidTokenError, bearerToken, createTokenVerifier, signClientToken } from './auth';

const settings = { secret: 'unit-test-secret-0123456789-0123456789', issuer: 'shop-test', audience: 'shop-api-test' };
const verify = createTokenVerifier(settings);
const alice = { sub: 'alice', role: 'customer' as const, email: 'alice@example.com' };
const secretKey = new TextEncoder().encode(settings.secret);
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token with exactly these claims, signed HS256 with the test secret unless told otherwise. */
const craft = (claims: Record<string, unknown>, alg = 'HS256', key: Uint8Array = secretKey) =>
  new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
const validClaims = () => ({ sub: 'alice', role: 'customer', iss: settings.issuer, aud: settings.audience, exp: nowSeconds() + 60 });

const refusal = (token: string) =>
  verify(token).then(
    () => 'accepted',
    (err: Error) => (err instanceof InvalidTokenError ? err.message : `threw ${err}`),
  );

describe('client token verification', () => {
  it('accepts a token it signed and returns the identity with the email', async () => {
    await expect(verify(await signClientToken(settings, alice, 60))).resolves.toEqual(alice);
    await expect(verify(await signClientToken(settings, { sub: 'root', role: 'admin' }, 60))).resolves.toEqual({
      sub: 'root',
      role: 'admin',
    });
  });

  it('tolerates a clock off by less than the tolerance, not more', async () => {
    const justExpired = await signClientToken(settings, alice, 60, Date.now() - (60 + CLOCK_TOLERANCE_SECONDS - 5) * 1000);
    await expect(verify(justExpired)).resolves.toEqual(alice);
    const expired = await signClientToken(settings, alice, 60, Date.now() - (60 + CLOCK_TOLERANCE_SECONDS + 5) * 1000);
    await expect(refusal(expired)).resolves.toBe('token expired');
  });

  it.each([
    ['another audience', { aud: 'someone-else' }, 'token claim "aud" is not valid (check_failed)'],
    ['another issuer', { iss: 'someone-else' }, 'token claim "iss" is not valid (check_failed)'],
    ['no expiry', { exp: undefined }, 'token claim "exp" is not valid (missing)'],
    ['no subject', { sub: undefined }, 'token claim "sub" is not valid (missing)'],
    ['an unknown role', { role: 'superuser' }, 'token claim "role" must be "customer" or "admin"'],
    ['no role', { role: undefined }, 'token claim "role" must be "customer" or "admin"'],
    ['an email that is not a string', { email: 42 }, 'token claim "email" must be a string'],
    ['a start in the future', { nbf: nowSeconds() + 120 }, 'token claim "nbf" is not valid (check_failed)'],
  ])('refuses a token with %s', async (_, change, reason) => {
    await expect(refusal(await craft({ ...validClaims(), ...change }))).resolves.toBe(reason);
  });

  it('refuses another secret, another algorithm, an unsigned token and garbage', async () => {
    await expect(
      refusal(await craft(validClaims(), 'HS256', new TextEncoder().encode('another-secret-0123456789-0123456789'))),
    ).resolves.toBe('token signature is not valid');
    await expect(refusal(await craft(validClaims(), 'HS512'))).resolves.toBe('token algorithm not allowed');
    const [, payload] = (await craft(validClaims())).split('.');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    await expect(refusal(unsigned)).resolves.toBe('token algorithm not allowed');
    await expect(refusal('not.a.token')).resolves.toBe('token is malformed');
  });

  it('verifies against a JWKS with asymmetric algorithms only', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const jwksServer = http.createServer((_req, res) =>
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = jwksServer.address() as AddressInfo;
      const viaJwks = createTokenVerifier({
        jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
        issuer: settings.issuer,
        audience: settings.audience,
      });
      const rsaToken = await new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('ops')
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setExpirationTime('1m')
        .sign(privateKey);
      await expect(viaJwks(rsaToken)).resolves.toEqual({ sub: 'ops', role: 'admin' });
      await expect(viaJwks(await craft(validClaims())).catch((err: Error) => err.message)).resolves.toBe('token algorithm not allowed');
    } finally {
      jwksServer.close();
    }
  });
});

describe('the Authorization header', () => {
  it('is anonymous when absent or empty', () => {
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('  ')).toBeNull();
  });

  it('takes a bearer token, whatever the scheme case', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'abc.def.ghi'])('refuses %j', (header) => {
    expect(() => bearerToken(header)).toThrow(InvalidTokenError);
  });
});
