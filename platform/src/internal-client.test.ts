import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CORRELATION_ID_HEADER } from '@shop/events';
import { INTERNAL_HEADERS } from './identity';
import { InternalClient } from './internal-client';

describe('InternalClient', () => {
  let server: http.Server;
  let url: string;
  const seen: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.url === '/silent') return; // never answers
      if (req.url === '/broken') {
        res.statusCode = 502;
        res.end('<html>bad gateway</html>');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { ok: true } }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(
    () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  );

  it('signs for the customer and carries the correlation id of the request it serves', async () => {
    const client = new InternalClient({ caller: 'cart-service', signingKey: 'k'.repeat(32) });
    await client.withCorrelationId('req-42').query(url, '{ ok }', {}, { sub: 'alice', role: 'customer' });
    await client.query(url, '{ ok }', {}, null);
    expect(seen[0][CORRELATION_ID_HEADER]).toBe('req-42');
    expect(seen[0][INTERNAL_HEADERS.caller]).toBe('cart-service');
    expect(seen[1][CORRELATION_ID_HEADER]).toBeUndefined();
  });

  const unavailable = (call: Promise<unknown>) => expect(call).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });

  it('gives SERVICE_UNAVAILABLE when the service does not answer in time', async () => {
    const client = new InternalClient({ caller: 'cart-service', signingKey: 'k'.repeat(32), timeoutMs: 100 });
    const started = Date.now();
    await unavailable(client.query(url.replace('/graphql', '/silent'), '{ ok }', {}, null));
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives SERVICE_UNAVAILABLE, with the HTTP status, for an answer that is not GraphQL', async () => {
    const client = new InternalClient({ caller: 'cart-service', signingKey: 'k'.repeat(32) });
    await unavailable(client.query(url.replace('/graphql', '/broken'), '{ ok }', {}, null));
    await expect(client.query(url.replace('/graphql', '/broken'), '{ ok }', {}, null)).rejects.toThrow('HTTP 502');
  });

  it('gives SERVICE_UNAVAILABLE when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const client = new InternalClient({ caller: 'cart-service', signingKey: 'k'.repeat(32) });
    await unavailable(client.query(`http://127.0.0.1:${port}/graphql`, '{ ok }', {}, null));
  });
});
