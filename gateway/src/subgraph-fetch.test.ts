import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Identity, createSubgraphAgent, verifyInternalRequest } from '@shop/platform';
import { createGatewayMetrics } from './metrics';
import { SubgraphFetcher, handoffHeaders } from './subgraph-fetch';

// A subgraph stand-in that checks each request's internal signature the way subgraphs do, and
// answers a little later so that fetches made together are in flight together.

const signingKey = 'unit-test-signing-key';
const alice = { sub: 'alice', role: 'customer' as const };
const handoff = (identity: Identity | null, shareable: boolean) => ({
  'content-type': 'application/json',
  ...handoffHeaders(identity, shareable),
});

describe('subgraph fetcher', () => {
  const received: { headers: http.IncomingHttpHeaders; verification: ReturnType<typeof verifyInternalRequest> }[] = [];
  let server: http.Server;
  let url: string;
  const agent = createSubgraphAgent();
  const metrics = createGatewayMetrics();
  let fetcher: SubgraphFetcher;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const verification = verifyInternalRequest(signingKey, { headers: req.headers, method: req.method!, path: req.url!, body });
        received.push({ headers: req.headers, verification });
        setTimeout(() => res.setHeader('content-type', 'application/json').end(JSON.stringify({ data: { n: received.length } })), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql?v=1`;
    fetcher = new SubgraphFetcher({ name: 'stand-in', url }, agent, signingKey, metrics);
  });

  afterAll(async () => {
    await agent.close();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received.length = 0;
  });

  const fetchAll = (...calls: { body: string; headers: Record<string, string> }[]) =>
    Promise.all(calls.map(async (init) => (await fetcher.fetch(url, { method: 'POST', ...init })).json()));

  it('signs every request over its exact body and path, for the identity handed over, and sends no handoff header', async () => {
    await fetchAll(
      { body: '{"query":"{ a }"}', headers: handoff(alice, false) },
      { body: '{"query":"{ b }"}', headers: handoff(null, false) },
    );
    expect(received.map(({ verification }) => verification)).toEqual([
      { ok: true, identity: alice, caller: 'gateway' },
      { ok: true, identity: null, caller: 'gateway' },
    ]);
    for (const { headers } of received)
      expect(Object.keys(headers).filter((name) => name in handoff(alice, true) && name !== 'content-type')).toEqual([]);
  });

  it('shares identical shareable fetches in flight', async () => {
    const answers = await fetchAll(
      { body: '{"query":"{ same }"}', headers: handoff(alice, true) },
      { body: '{"query":"{ same }"}', headers: handoff(alice, true) },
      { body: '{"query":"{ same }"}', headers: handoff(alice, true) },
    );
    expect(received).toHaveLength(1);
    expect(answers).toEqual([{ data: { n: 1 } }, { data: { n: 1 } }, { data: { n: 1 } }]);
    expect(answers[0]).not.toBe(answers[1]); // each reader gets its own copy to merge into
  });

  it("forwards each request's correlation id, and still shares identical fetches of requests with different ids", async () => {
    await fetchAll(
      { body: '{"query":"{ correlated }"}', headers: { ...handoff(alice, true), 'x-correlation-id': 'first' } },
      { body: '{"query":"{ correlated }"}', headers: { ...handoff(alice, true), 'x-correlation-id': 'second' } },
    );
    expect(received).toHaveLength(1);
    expect(received[0].headers['x-correlation-id']).toBe('first');
  });

  it('never shares across identities, bodies, or fetches that are not shareable', async () => {
    await fetchAll(
      { body: '{"query":"{ same }"}', headers: handoff(alice, true) },
      { body: '{"query":"{ same }"}', headers: handoff({ sub: 'bob', role: 'customer' }, true) },
      { body: '{"query":"{ same }"}', headers: handoff(null, true) },
      { body: '{"query":"{ other }"}', headers: handoff(alice, true) },
      { body: '{"query":"mutation { m }"}', headers: handoff(alice, false) },
      { body: '{"query":"mutation { m }"}', headers: handoff(alice, false) },
    );
    expect(received).toHaveLength(6);
  });

  it('fetches again once the shared answer has arrived', async () => {
    await fetchAll({ body: '{"query":"{ again }"}', headers: handoff(null, true) });
    await fetchAll({ body: '{"query":"{ again }"}', headers: handoff(null, true) });
    expect(received).toHaveLength(2);
  });

  it('turns an unreachable subgraph into SERVICE_UNAVAILABLE without network details', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/graphql`;
    await new Promise((resolve) => closed.close(resolve));
    const dead = new SubgraphFetcher({ name: 'gone', url: deadUrl }, agent, signingKey, metrics);
    await expect(dead.fetch(deadUrl, { method: 'POST', body: '{}', headers: handoff(null, true) })).rejects.toMatchObject({
      message: 'the gone service is unavailable',
      extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'gone' },
    });
  });
});
