import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@shop/events';
import { loadConfig } from '@shop/platform';
import express from 'express';
import { createTokenVerifier } from './auth';
import { mountStorefrontRoutes } from './storefront-routes';

const jwt = loadConfig('gateway', {}).jwt;
const logger = createLogger('storefront-routes-test');

describe('storefront routes', () => {
  let distDir: string;
  const servers: Server[] = [];

  beforeAll(() => {
    distDir = mkdtempSync(join(tmpdir(), 'storefront-dist-'));
    mkdirSync(join(distDir, 'assets'));
    writeFileSync(join(distDir, 'index.html'), '<title>storefront</title>');
    writeFileSync(join(distDir, 'graphiql.html'), '<title>graphiql</title>');
    writeFileSync(join(distDir, 'assets', 'main-abc123.js'), 'console.log(1)');
  });

  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    rmSync(distDir, { recursive: true, force: true });
  });

  async function serve(production: boolean): Promise<string> {
    const app = express();
    await mountStorefrontRoutes(app, { config: { production, jwt }, logger, distDir });
    const server = app.listen(0);
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const askToken = (base: string, body: unknown) =>
    fetch(`${base}/demo/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('signs a customer token for the demo sign-in, with an email address', async () => {
    const base = await serve(false);
    const response = await askToken(base, { customer: 'alice' });
    expect(response.status).toBe(200);
    const { token, customer } = (await response.json()) as { token: string; customer: unknown };
    expect(customer).toEqual({ id: 'alice', email: 'alice@example.com' });
    await expect(createTokenVerifier(jwt)(token)).resolves.toEqual({ sub: 'alice', role: 'customer', email: 'alice@example.com' });
  });

  it('never signs anything but a customer token, and refuses a malformed customer id', async () => {
    const base = await serve(false);
    const admin = await askToken(base, { customer: 'mallory', role: 'admin' });
    expect(admin.status).toBe(400);
    expect(((await admin.json()) as { error: string }).error).toMatch(/customer tokens only/);
    for (const customer of ['', ' alice', 'a'.repeat(41), 42, null]) {
      expect((await askToken(base, { customer })).status).toBe(400);
    }
  });

  it('serves the app for page paths, the explorer at /graphiql and hashed assets with a long cache', async () => {
    const base = await serve(false);
    for (const path of ['/', '/cart', '/checkout/0b7e']) {
      const page = await fetch(`${base}${path}`);
      expect([page.status, await page.text(), page.headers.get('cache-control')]).toEqual([200, '<title>storefront</title>', 'no-cache']);
    }
    expect(await (await fetch(`${base}/graphiql`)).text()).toBe('<title>graphiql</title>');
    const asset = await fetch(`${base}/assets/main-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${base}/assets/missing-1.js`)).status).toBe(404);
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(404);
  });

  it('mounts none of it in production mode', async () => {
    const base = await serve(true);
    expect((await askToken(base, { customer: 'alice' })).status).toBe(404);
    for (const path of ['/', '/cart', '/graphiql', '/assets/main-abc123.js']) expect((await fetch(`${base}${path}`)).status).toBe(404);
  });
});
