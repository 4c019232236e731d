import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@shop/events/src/testing';
import { type Identity, INTERNAL_HEADERS } from '@shop/platform';
import { type TestSubgraph, admin, customer, startTestSubgraph } from '@shop/platform/src/testing';
import { startInventoryService } from '@shop/inventory';
import { startProductService } from '@shop/product';
import { signClientToken } from './auth';
import { type GatewayHandles, startGateway } from './gateway';
import { composeSupergraph } from './supergraph';

// The gateway in front of the real product and inventory subgraphs, each on its own test database,
// sharing one queue prefix so inventory hears of the products created.

const REPO_ROOT = join(__dirname, '..', '..');

type Answer = { data?: Record<string, any> | null; errors?: { message: string; path?: unknown[]; extensions?: { code?: string } }[] };

describe('gateway', () => {
  let product: TestSubgraph;
  let inventory: TestSubgraph;
  let gateway: GatewayHandles;
  let supergraphFolder: string;

  beforeAll(async () => {
    product = await startTestSubgraph('gw_product', startProductService);
    inventory = await startTestSubgraph('gw_inventory', startInventoryService, { prefix: product.prefix });
    const composition = composeSupergraph([
      { name: 'product', url: product.service.url, sdl: schemaOf('product') },
      { name: 'inventory', url: inventory.service.url, sdl: schemaOf('inventory') },
    ]);
    if ('errors' in composition) throw new Error(composition.errors.join('\n'));
    supergraphFolder = mkdtempSync(join(tmpdir(), 'gateway-test-'));
    const supergraphFile = join(supergraphFolder, 'supergraph.graphql');
    writeFileSync(supergraphFile, composition.supergraphSdl);
    gateway = await startGateway({ config: { port: 0, queuePrefix: product.prefix }, supergraphFile });
  });

  afterAll(async () => {
    await gateway?.stop();
    await inventory.stop();
    await product?.stop(); // also deletes the shared queue prefix
    rmSync(supergraphFolder, { recursive: true, force: true });
  });

  const schemaOf = (name: string) => readFileSync(join(REPO_ROOT, 'subgraphs', name, 'schema.graphql'), 'utf8');
  const sku = () => `GW-${randomUUID().slice(0, 8)}`;
  const tokenFor = (identity: Identity, ttlSeconds = 300, now = Date.now()) =>
    signClientToken(gateway.config.jwt, identity, ttlSeconds, now);

  async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer };
  }
  const ask = async (query: string, variables: Record<string, unknown> = {}, identity: Identity | null = null) =>
    (await post(gateway.url, query, variables, identity ? { authorization: `Bearer ${await tokenFor(identity)}` } : {})).body;

  const createProduct = `mutation ($input: CreateProductInput!) { createProduct(input: $input) { sku name price { amount currency } } }`;
  async function createdProduct(name = 'Trail shoe'): Promise<string> {
    const s = sku();
    const created = await ask(createProduct, { input: { sku: s, name, price: '80', currency: 'GBP' } }, admin);
    expect(created).toEqual({ data: { createProduct: { sku: s, name, price: { amount: '80.00', currency: 'GBP' } } } });
    return s;
  }

  it('answers public reads without a token, by POST and by GET', async () => {
    const s = await createdProduct('Lantern');
    expect(await ask(`query Lantern($sku: ID!) { product(sku: $sku) { sku name } }`, { sku: s })).toEqual({
      data: { product: { sku: s, name: 'Lantern' } },
    });
    const search = new URLSearchParams({ query: `{ products(search: "${s}") { items { sku } } }` });
    // GET needs a header a browser form cannot send (Apollo's CSRF prevention).
    const response = await fetch(`${gateway.url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await response.json()).toEqual({ data: { products: { items: [{ sku: s }] } } });
  });

  it('lets an admin change the catalogue, a customer gets FORBIDDEN and an anonymous caller UNAUTHENTICATED', async () => {
    const s = await createdProduct();
    const changePrice = `mutation ($sku: ID!) { changePrice(sku: $sku, price: "70.00") { price { amount } } }`;
    expect(await ask(changePrice, { sku: s }, admin)).toEqual({ data: { changePrice: { price: { amount: '70.00' } } } });
    expect((await ask(changePrice, { sku: s }, customer('c-gw'))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await ask(changePrice, { sku: s })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['an expired token', () => tokenFor(admin, 60, Date.now() - 10 * 60_000), 'unauthenticated: token expired'],
    [
      'a token for another audience',
      () => signClientToken({ ...gateway.config.jwt, audience: 'another-api' }, admin, 60),
      'unauthenticated: token claim "aud" is not valid (check_failed)',
    ],
    [
      'a token signed with another secret',
      () => signClientToken({ ...gateway.config.jwt, secret: 'not-the-gateway-secret-0123456789' }, admin, 60),
      'unauthenticated: token signature is not valid',
    ],
    ['a token that is not a JWT', async () => 'garbage', 'unauthenticated: token is malformed'],
  ])('refuses %s with 401 and a GraphQL errors body', async (_, token, message) => {
    const refused = await post(gateway.url, '{ products { items { sku } } }', {}, { authorization: `Bearer ${await token()}` });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(refused.body).toEqual({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const refused = await post(gateway.url, '{ products { items { sku } } }', {}, { authorization: 'Basic YWRtaW46YWRtaW4=' });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('keeps client x-internal-* headers from the subgraphs: a forged identity gains nothing', async () => {
    const forgedAdmin = {
      [INTERNAL_HEADERS.identity]: Buffer.from(JSON.stringify(admin)).toString('base64url'),
      [INTERNAL_HEADERS.caller]: 'gateway',
      [INTERNAL_HEADERS.timestamp]: String(Date.now()),
      [INTERNAL_HEADERS.signature]: 'f'.repeat(64),
      'x-internal-anything': 'forged',
    };
    const seen: IncomingHttpHeaders[] = [];
    const record = (req: { headers: IncomingHttpHeaders }) => seen.push(req.headers);
    product.service.server.on('request', record);
    try {
      const input = { sku: sku(), name: 'Forged', price: '1.00', currency: 'GBP' };
      const anonymous = await post(gateway.url, createProduct, { input }, forgedAdmin);
      expect(anonymous.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      const asCustomer = await post(
        gateway.url,
        createProduct,
        { input },
        { ...forgedAdmin, authorization: `Bearer ${await tokenFor(customer('c-forger'))}` },
      );
      expect(asCustomer.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    } finally {
      product.service.server.off('request', record);
    }
    expect(seen).toHaveLength(2);
    for (const headers of seen) {
      expect(headers['x-internal-anything']).toBeUndefined();
      expect(headers[INTERNAL_HEADERS.identity]).not.toBe(forgedAdmin[INTERNAL_HEADERS.identity]);
      expect(headers[INTERNAL_HEADERS.signature]).not.toBe(forgedAdmin[INTERNAL_HEADERS.signature]);
    }
    expect(seen[0][INTERNAL_HEADERS.identity]).toBe('-'); // signed as anonymous
  });

  it('leaves a subgraph refusing a direct call that the gateway did not sign', async () => {
    const direct = await post(product.service.url, '{ products { items { sku } } }');
    expect(direct.status).toBe(401);
    expect(direct.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('composes live from the running subgraphs, with signed introspection', async () => {
    const subgraphs = [product, inventory].map(({ service }) => ({ name: service.name, url: service.url }));
    const live = await startGateway({ config: { port: 0, queuePrefix: product.prefix }, subgraphs });
    try {
      const s = await createdProduct('Composed live');
      expect((await post(live.url, `{ product(sku: "${s}") { name } }`)).body).toEqual({ data: { product: { name: 'Composed live' } } });
    } finally {
      await live.stop();
    }
  });

  it('prints a token with `npm run token` that the gateway accepts', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', 'token', '--', '--sub', 'script-admin', '--role', 'admin'], {
      cwd: REPO_ROOT,
    });
    const token = stdout.trim().split('\n').pop()!;
    const s = sku();
    const input = { sku: s, name: 'From the script', price: '5.00', currency: 'GBP' };
    const created = await post(gateway.url, createProduct, { input }, { authorization: `Bearer ${token}` });
    expect(created.body).toEqual({
      data: { createProduct: { sku: s, name: 'From the script', price: { amount: '5.00', currency: 'GBP' } } },
    });
  });

  it('serves health and metrics by operation name', async () => {
    expect((await fetch(gateway.url.replace('/graphql', '/health/live'))).status).toBe(200);
    const ready = await fetch(gateway.url.replace('/graphql', '/health/ready'));
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 200,
      body: { status: 'ready', checks: { supergraph: true, broker: true } },
    });
    expect((await fetch(gateway.url.replace('/graphql', '/health'))).status).toBe(200);
    await ask(`query CountedOperation { products(first: 1) { items { sku } } }`);
    const metrics = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/gateway_requests_total\{operation_name="CountedOperation",operation_type="query",outcome="ok"\} 1/);
    expect(metrics).toMatch(/gateway_request_duration_seconds_count\{operation_name="CountedOperation"/);
    expect(metrics).toMatch(/gateway_subgraph_request_duration_seconds_count\{subgraph="product",outcome="ok"\}/);
  });

  it('answers product and stock in one query', async () => {
    const s = await createdProduct('Stocked');
    // Inventory creates the stock row when it hears ProductCreated.
    await waitFor(async () => !(await ask(`mutation { setStock(sku: "${s}", available: 7) { available } }`, {}, admin)).errors, {
      what: 'the stock row',
    });
    expect(await ask(`{ product(sku: "${s}") { name price { amount } stock { available reserved } } }`)).toEqual({
      data: { product: { name: 'Stocked', price: { amount: '80.00' }, stock: { available: 7, reserved: 0 } } },
    });
  });

  // Last: inventory stops answering HTTP, as if its process had gone; the rest of it stops in afterAll.
  it('blanks only the fields of a subgraph stopped mid-test, and stays up', async () => {
    const s = await createdProduct('Orphan');
    const server = inventory.service.server;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    const answer = await ask(`{ product(sku: "${s}") { sku name stock { available } } }`);
    expect(answer.data).toEqual({ product: { sku: s, name: 'Orphan', stock: null } });
    expect(answer.errors).toEqual([
      expect.objectContaining({
        message: 'the inventory service is unavailable',
        extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' }),
      }),
    ]);
    expect((await fetch(gateway.url.replace('/graphql', '/health/ready'))).status).toBe(200);
    expect(await ask(`{ product(sku: "${s}") { name } }`)).toEqual({ data: { product: { name: 'Orphan' } } });
  });
});
