import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { Logger } from '@shop/events';
import type { Config } from '@shop/platform';
import express, { type Express, type Request, type Response } from 'express';
import { signClientToken } from './auth';

// The storefront app, the GraphQL explorer and the demo sign-in: development conveniences that
// exist only outside production mode (in production none of these paths is mounted: 404).

export const STOREFRONT_DIR = join(__dirname, '..', '..', 'storefront');
const DIST_DIR = join(STOREFRONT_DIR, 'dist');
/** What the build reads: when any of it is newer than the last build, the gateway builds again. */
const SOURCES = ['index.html', 'graphiql.html', 'vite.config.ts', 'package.json', 'src'];

const DEMO_TOKEN_TTL_SECONDS = 24 * 3600;
const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;
// index.html names the hashed assets of the current build: always revalidated. The assets never change.
const NO_CACHE = { headers: { 'cache-control': 'no-cache' } };
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

export interface StorefrontRoutesOptions {
  config: Pick<Config, 'production' | 'jwt'>;
  logger: Logger;
  /** The built app to serve; by default storefront/dist, built first when it is missing or older than its sources. */
  distDir?: string;
}

/**
 * Mounts, outside production mode: POST /demo/token (a customer token for the demo sign-in; never
 * an admin one), /graphiql, the storefront's hashed assets and, for every other page path, its
 * index.html (the app routes on the client). A failed build leaves the API running and says why at `/`.
 */
export async function mountStorefrontRoutes(app: Express, options: StorefrontRoutesOptions): Promise<void> {
  const { config, logger } = options;
  if (config.production) return;

  app.post('/demo/token', express.json({ limit: '1kb' }), async (req: Request, res: Response) => {
    const body: unknown = req.body;
    const customer = (body as { customer?: unknown } | undefined)?.customer;
    const extra = body && typeof body === 'object' ? Object.keys(body).filter((key) => key !== 'customer') : [];
    if (extra.length > 0) {
      res.status(400).json({ error: `only "customer" may be given: the demo route signs customer tokens only (not ${extra.join(', ')})` });
      return;
    }
    if (typeof customer !== 'string' || !CUSTOMER_ID.test(customer)) {
      res.status(400).json({ error: '"customer" must be 1 to 40 letters, digits, ".", "_" or "-", starting with a letter or digit' });
      return;
    }
    const email = `${customer.toLowerCase()}@example.com`;
    const token = await signClientToken(config.jwt, { sub: customer, role: 'customer', email }, DEMO_TOKEN_TTL_SECONDS);
    res.json({ token, customer: { id: customer, email }, expiresInSeconds: DEMO_TOKEN_TTL_SECONDS });
  });

  let distDir: string;
  try {
    distDir = options.distDir ?? (await buildStorefrontIfStale(logger));
  } catch (err) {
    const reason = (err as Error).message;
    logger.error({ err: reason }, 'the storefront could not be built: / and /graphiql answer 503');
    app.get(['/', '/graphiql'], (_req, res) => {
      res.status(503).type('text/plain').send(`The storefront could not be built (npm run build:storefront shows why):\n${reason}\n`);
    });
    return;
  }

  app.use('/assets', express.static(join(distDir, 'assets'), { immutable: true, maxAge: ONE_YEAR_MS, index: false, fallthrough: false }));
  app.get(['/graphiql', '/graphiql/'], (_req, res) => res.sendFile(join(distDir, 'graphiql.html'), NO_CACHE));
  app.get('/{*path}', (req, res, next) => {
    // A path with a file extension is a file that does not exist, not a page of the app.
    if (extname(req.path) !== '') return next();
    res.sendFile(join(distDir, 'index.html'), NO_CACHE);
  });
}

/** Builds storefront/dist with Vite when it is missing or older than its sources; returns it. */
export async function buildStorefrontIfStale(logger: Logger): Promise<string> {
  if (isBuilt(DIST_DIR) && newestChange(SOURCES.map((source) => join(STOREFRONT_DIR, source))) <= builtAt(DIST_DIR)) return DIST_DIR;
  const startedAt = Date.now();
  logger.info('building the storefront');
  // Built beside the old one and swapped in, so a gateway serving the old build never sees half a new one.
  const next = join(STOREFRONT_DIR, 'node_modules', `.build-${process.pid}-${startedAt}`);
  try {
    await runVite(['build', '--outDir', next, '--emptyOutDir', '--logLevel', 'warn']);
    rmSync(DIST_DIR, { recursive: true, force: true });
    renameSync(next, DIST_DIR);
  } catch (err) {
    // Another gateway may have swapped in its build between our two steps: that one is as good.
    if (!isBuilt(DIST_DIR)) throw err;
  } finally {
    rmSync(next, { recursive: true, force: true });
  }
  logger.info({ ms: Date.now() - startedAt }, 'storefront built');
  return DIST_DIR;
}

const isBuilt = (dir: string) => existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'graphiql.html'));
const builtAt = (dir: string) => statSync(join(dir, 'index.html')).mtimeMs;

function newestChange(paths: string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) newest = Math.max(newest, newestChange(readdirSync(path).map((entry) => join(path, entry))));
  }
  return newest;
}

function runVite(args: string[]): Promise<void> {
  const vite = join(dirname(require.resolve('vite/package.json', { paths: [STOREFRONT_DIR] })), 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, ...args], { cwd: STOREFRONT_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`vite build exited with code ${code}: ${output.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}
