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
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { ok: true } }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('signs for the customer and carries the correlation id of the request it serves', async () => {
    const client = new InternalClient({ caller: 'cart-service', signingKey: 'k'.repeat(32) });
    await client.withCorrelationId('req-42').query(url, '{ ok }', {}, { sub: 'alice', role: 'customer' });
    await client.query(url, '{ ok }', {}, null);
    expect(seen[0][CORRELATION_ID_HEADER]).toBe('req-42');
    expect(seen[0][INTERNAL_HEADERS.caller]).toBe('cart-service');
    expect(seen[1][CORRELATION_ID_HEADER]).toBeUndefined();
  });
});
