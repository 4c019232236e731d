import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JWTPayload, type KeyLike, SignJWT, exportJWK, generateKeyPair } from 'jose';
import WebSocket from 'ws';
import type { GatewayHandles } from '../gateway';
import { wsUrl } from '../subscriptions/testing';

// Test support for the security suites: an identity provider's JWKS on a local HTTP server, and
// WebSocket upgrades from a chosen Origin.

type Algorithm = 'RS256' | 'ES256';

export interface TestJwks {
  /** Where the JWKS is served (for JWKS_URL). */
  url: string;
  /** One key pair per algorithm; each key's `kid` is its algorithm. */
  keys: Record<Algorithm, { publicKey: KeyLike; privateKey: KeyLike }>;
  /** A token with exactly these claims, signed with the key of `alg`, under `kid`. */
  sign(claims: JWTPayload, alg: Algorithm, kid?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestJwks(): Promise<TestJwks> {
  const keys = { RS256: await generateKeyPair('RS256'), ES256: await generateKeyPair('ES256') };
  const jwks = {
    keys: await Promise.all(
      Object.entries(keys).map(async ([alg, { publicKey }]) => ({ ...(await exportJWK(publicKey)), kid: alg, alg, use: 'sig' })),
    ),
  };
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    keys,
    sign: (claims, alg, kid = alg) => new SignJWT(claims).setProtectedHeader({ alg, kid }).sign(keys[alg].privateKey),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** How a graphql-ws upgrade from this Origin ends: 'open', or the HTTP status it was refused with. */
export function upgradeFrom(gateway: GatewayHandles, origin: string): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(gateway), 'graphql-transport-ws', { origin });
    socket.on('open', () => {
      socket.close();
      resolve('open');
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    socket.on('error', reject);
  });
}
