import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { createLogger } from '@shop/events';
import type { Identity } from '@shop/platform';
import { createTokenVerifier, signClientToken } from './auth';
import { graphqlHandler } from './graphql-http';
import { createGatewayMetrics } from './metrics';
import type { GatewayContext } from './subgraph-fetch';

// The /graphql handler in front of a small Apollo Server whose resolvers count their executions
// and take a little while, so that requests sent together are in flight together.

const jwt = { secret: 'unit-test-jwt-secret', issuer: 'test', audience: 'test' };
const alice: Identity = { sub: 'alice', role: 'customer' };
const bob: Identity = { sub: 'bob', role: 'customer' };

const typeDefs = `
  type Query { greeting(name: String!): String! }
  type Mutation { count: Int! }
`;
let executions = 0;
const slowly = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 50));
const resolvers = {
  Query: {
    greeting: (_: unknown, { name }: { name: string }, { identity }: GatewayContext) => {
      executions++;
      return slowly(`hello ${name}, from ${identity?.sub ?? 'anonymous'}, answer ${executions}`);
    },
  },
  Mutation: {
    count: () => slowly(++executions),
  },
};

type Answer = {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] };
};

describe('/graphql handler', () => {
  const metrics = createGatewayMetrics();
  const apollo = new ApolloServer<GatewayContext>({ typeDefs, resolvers });
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    await apollo.start();
    server = http.createServer(graphqlHandler({ apollo, verifyToken: createTokenVerifier(jwt), metrics, logger: createLogger('test') }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await apollo.stop();
  });

  beforeEach(() => {
    executions = 0;
  });

  async function post(body: string, options: { identity?: Identity; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (options.identity) headers.authorization = `Bearer ${await signClientToken(jwt, options.identity, 300)}`;
    const response = await fetch(url, { method: 'POST', headers, body });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
  }
  const request = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
    JSON.stringify({ query, variables, ...(operationName ? { operationName } : {}) });
  const greeting = request('query Greeting($name: String!) { greeting(name: $name) }', { name: 'shop' });
  const coalesced = async () => (await metrics.coalescedRequests.get()).values[0]?.value ?? 0;

  describe('identical queries in flight', () => {
    it('share one execution, and each client gets the answer', async () => {
      const before = await coalesced();
      const answers = await Promise.all([post(greeting), post(greeting), post(greeting)]);
      expect(executions).toBe(1);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ data: { greeting: 'hello shop, from anonymous, answer 1' } });
      }
      expect((await coalesced()) - before).toBe(2);
    });

    it('are never shared across identities', async () => {
      const answers = await Promise.all([
        post(greeting, { identity: alice }),
        post(greeting, { identity: bob }),
        post(greeting),
        post(greeting, { identity: alice }),
      ]);
      expect(executions).toBe(3);
      const callers = answers.map((answer) => /from (\w+)/.exec(String(answer.body.data?.greeting))?.[1]);
      expect(callers).toEqual(['alice', 'bob', 'anonymous', 'alice']);
      expect(answers[3].body).toEqual(answers[0].body);
    });

    it('are never shared for an identity that differs only in its role or email', async () => {
      await Promise.all([
        post(greeting, { identity: alice }),
        post(greeting, { identity: { ...alice, role: 'admin' } }),
        post(greeting, { identity: { ...alice, email: 'alice@example.com' } }),
      ]);
      expect(executions).toBe(3);
    });

    it('are shared only when variables, operation, URL and Accept header are the same', async () => {
      await Promise.all([
        post(greeting),
        post(request('query Greeting($name: String!) { greeting(name: $name) }', { name: 'other' })),
        post(request('query Other($name: String!) { greeting(name: $name) }', { name: 'shop' })),
        post(greeting, { headers: { accept: 'application/graphql-response+json' } }),
        fetch(`${url}?via=elsewhere`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: greeting }),
      ]);
      expect(executions).toBe(5);
    });

    it('are not kept once answered', async () => {
      await post(greeting);
      const again = await post(greeting);
      expect(executions).toBe(2);
      expect(again.body).toEqual({ data: { greeting: 'hello shop, from anonymous, answer 2' } });
    });
  });

  it('never shares mutations', async () => {
    const mutation = request('mutation Count { count }');
    const answers = await Promise.all([post(mutation), post(mutation), post(mutation)]);
    expect(executions).toBe(3);
    expect(answers.map((answer) => answer.body.data?.count).sort()).toEqual([1, 2, 3]);
  });

  it('never shares the mutation of a document that also holds a query', async () => {
    const document = 'query Read { greeting(name: "shop") } mutation Write { count }';
    await Promise.all([post(request(document, {}, 'Write')), post(request(document, {}, 'Write'))]);
    expect(executions).toBe(2);
  });

  it('never shares GET queries', async () => {
    const search = new URLSearchParams({ query: '{ greeting(name: "shop") }' });
    const get = () => fetch(`${url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
    const answers = await Promise.all([get(), get()]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(executions).toBe(2);
  });

  describe('refuses, in GraphQL error shape', () => {
    it('a token that does not verify, with 401', async () => {
      const answer = await post(greeting, { headers: { authorization: 'Bearer not-a-jwt' } });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(answer.body).toEqual({
        errors: [{ message: 'unauthenticated: token is malformed', extensions: { code: 'UNAUTHENTICATED' } }],
      });
      expect(executions).toBe(0);
    });

    it.each([
      ['malformed JSON', '{"query":', {}, 400],
      ['a JSON body that is not an object or array', '"{ greeting }"', {}, 400],
      ['a body over 1 MiB', JSON.stringify({ query: `{ greeting(name: "${'x'.repeat(1024 * 1024)}") }` }), {}, 413],
      ['a charset other than UTF-8', greeting, { 'content-type': 'application/json; charset=latin1' }, 415],
      ['a compressed body', greeting, { 'content-encoding': 'gzip' }, 415],
    ])('%s', async (_, body, headers, status) => {
      const answer = await post(body, { headers });
      expect(answer.status).toBe(status);
      expect(answer.body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
      expect(executions).toBe(0);
    });
  });

  it('lets Apollo Server answer a body that is not JSON (CSRF prevention)', async () => {
    const answer = await post(greeting, { headers: { 'content-type': 'text/plain' } });
    expect(answer.status).toBe(400);
    expect(executions).toBe(0);
  });
});
