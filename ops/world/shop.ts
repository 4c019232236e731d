import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InMemoryTransport, RabbitMqTransport, type Transport, createLogger } from '@shop/events';
import { createTestDatabase, deleteBrokerObjects, uniqueName, type TestDatabase } from '@shop/events/src/testing';
import { signClientToken } from '@shop/gateway/src/auth';
import { type GatewayHandles, startGateway } from '@shop/gateway/src/gateway';
import { composeSupergraph, subgraphsOnDisk } from '@shop/gateway/src/supergraph';
import {
  type GraphQLResponse,
  type Identity,
  SERVICE_NAMES,
  type ServiceName,
  type StartOptions,
  type SubgraphHandles,
  loadConfig,
  waitUntilReady,
} from '@shop/platform';
import { startAnalyticsService } from '@shop/analytics/src/subgraph';
import { startCartService } from '@shop/cart/src/subgraph';
import { startCheckoutService } from '@shop/checkout/src/subgraph';
import { startEmailService } from '@shop/email/src/subgraph';
import { startInventoryService } from '@shop/inventory/src/subgraph';
import { startOrderService } from '@shop/order/src/subgraph';
import { startPaymentService } from '@shop/payment/src/subgraph';
import { startProductService } from '@shop/product/src/subgraph';
import { SharedTransport } from './shared-transport';

// The whole system in one process for system tests, benchmarks and `npm run start:embedded`: every
// subgraph on its own fresh database, one queue prefix for all of them, and the gateway in front, on free ports.

const starters: Record<ServiceName, (options: StartOptions) => Promise<SubgraphHandles>> = {
  product: startProductService,
  inventory: startInventoryService,
  cart: startCartService,
  order: startOrderService,
  payment: startPaymentService,
  checkout: startCheckoutService,
  analytics: startAnalyticsService,
  email: startEmailService,
};

export interface ShopOptions {
  label?: string;
  /** Environment for every service, e.g. CHECKOUT_STEP_TIMEOUT_MS or PAYMENT_SLOW_MS. */
  env?: Record<string, string>;
  /** Services run as child processes (so a test can kill -9 them); the others run in this process. */
  asProcesses?: ServiceName[];
  /** Wraps each in-process service's RabbitMQ transport (e.g. to deliver every message twice). */
  wrapTransport?: (transport: Transport) => Transport;
  /** The in-process broker, for every service and the gateway, instead of RabbitMQ; the shop closes it. */
  transport?: InMemoryTransport;
  /** Where each service's database comes from; by default a fresh one on the shared PostgreSQL. */
  database?: (name: ServiceName) => Promise<TestDatabase>;
  /** The gateway's port; a free one by default. */
  gatewayPort?: number;
}

export interface Shop {
  prefix: string;
  gateway: GatewayHandles;
  /** The services running in this process. */
  services: Partial<Record<ServiceName, SubgraphHandles>>;
  urls: Record<ServiceName, string>;
  databases: Record<ServiceName, TestDatabase>;
  token(identity: Identity): Promise<string>;
  /** A request to the gateway as this identity (anonymous without one). */
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    identity?: Identity | null,
  ): Promise<GraphQLResponse<T>>;
  /** Stops one service gracefully and starts it again on the same database and port. */
  restart(name: ServiceName, options?: { downForMs?: number }): Promise<void>;
  stop(name: ServiceName): Promise<void>;
  /** The process id of a service run as a child process; undefined for one in this process. */
  pid(name: ServiceName): number | undefined;
  /** SIGKILL for a service run as a child process: no shutdown, nothing flushed. */
  kill(name: ServiceName): Promise<void>;
  start(name: ServiceName): Promise<void>;
  close(): Promise<void>;
}

/**
 * A port for a server to listen on a little later. It is taken below the kernel's ephemeral range:
 * a port from that range may meanwhile be handed to an outgoing connection (to PostgreSQL or
 * RabbitMQ). Each jest worker (or process) draws from its own block, in turn, so that two test files
 * running side by side never pick the same port before either listens on it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < PORT_BLOCK_SIZE; attempt++) {
    const port = portBlock.start + (nextInBlock++ % PORT_BLOCK_SIZE);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${portBlock.start} and ${portBlock.start + PORT_BLOCK_SIZE - 1}`);
}

const PORT_BLOCK_SIZE = 1_000;
const portBlock = (() => {
  const lowest = 10_000;
  const blocks = Math.max(1, Math.floor((ephemeralPortsStart() - lowest) / PORT_BLOCK_SIZE));
  const owner = Number(process.env.JEST_WORKER_ID) || process.pid;
  return { start: lowest + (owner % blocks) * PORT_BLOCK_SIZE };
})();
let nextInBlock = Math.floor(Math.random() * PORT_BLOCK_SIZE);

function ephemeralPortsStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

export async function startShop(options: ShopOptions = {}): Promise<Shop> {
  const label = options.label ?? 'shop';
  if (options.transport && options.asProcesses?.length) throw new Error('services in child processes cannot share an in-process transport');
  const database = options.database ?? ((name: ServiceName) => createTestDatabase(`${label}_${name}`));
  const prefix = `${uniqueName(label)}.`;
  const env = { ...process.env, ...options.env };
  const databases = {} as Record<ServiceName, TestDatabase>;
  const ports = {} as Record<ServiceName, number>;
  for (const name of SERVICE_NAMES) ports[name] = await freePort();
  const serviceUrls = Object.fromEntries(SERVICE_NAMES.map((name) => [name, `http://127.0.0.1:${ports[name]}/graphql`])) as Record<
    ServiceName,
    string
  >;
  const services: Shop['services'] = {};
  const children = new Map<ServiceName, ChildProcess>();
  const start = async (name: ServiceName) => {
    if (options.asProcesses?.includes(name)) {
      children.set(
        name,
        await startProcess(name, {
          ...env,
          ...urlEnv(serviceUrls),
          PORT: String(ports[name]),
          DATABASE_URL: databases[name].url,
          QUEUE_PREFIX: prefix,
        }),
      );
      return;
    }
    const transport = options.transport
      ? new SharedTransport(options.transport)
      : options.wrapTransport?.(
          new RabbitMqTransport({
            url: loadConfig(name, env).amqpUrl,
            prefix,
            connectionName: `${name}-service`,
            logger: createLogger(`${name}-service`),
          }),
        );
    services[name] = await starters[name]({
      env,
      transport,
      config: { port: ports[name], databaseUrl: databases[name].url, queuePrefix: prefix, serviceUrls },
    });
  };
  const stopService = async (name: ServiceName) => {
    const child = children.get(name);
    if (child) {
      children.delete(name);
      await signal(child, 'SIGTERM');
    } else {
      await services[name]?.stop();
      delete services[name];
    }
  };
  const folder = mkdtempSync(join(tmpdir(), 'shop-supergraph-'));
  // Whatever got started is stopped again, also when starting fails half way (the gateway, started
  // last, then never is): a test whose beforeAll failed must not leave connections and timers behind
  // that keep jest from exiting.
  const stopAll = async (gateway?: GatewayHandles) => {
    await gateway?.stop();
    for (const name of SERVICE_NAMES) await stopService(name);
    for (const name of SERVICE_NAMES) await databases[name]?.drop();
    if (options.transport) await options.transport.close();
    else await deleteBrokerObjects(prefix);
    rmSync(folder, { recursive: true, force: true });
  };
  let gateway: GatewayHandles;
  try {
    for (const name of SERVICE_NAMES) databases[name] = await database(name);
    // Services that others call start first; the order matters only for the first requests.
    for (const name of ['product', 'inventory', 'order', 'payment', 'cart', 'checkout', 'analytics', 'email'] as ServiceName[])
      await start(name);

    const composition = composeSupergraph(subgraphsOnDisk(serviceUrls));
    if ('errors' in composition) throw new Error(`the subgraphs do not compose: ${composition.errors.join('; ')}`);
    const supergraphFile = join(folder, 'supergraph.graphql');
    writeFileSync(supergraphFile, composition.supergraphSdl);
    gateway = await startGateway({
      env,
      config: { port: options.gatewayPort ?? 0, queuePrefix: prefix, serviceUrls },
      supergraphFile,
      transport: options.transport && new SharedTransport(options.transport),
    });
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
  const jwt = loadConfig('gateway', env).jwt;
  const shop: Shop = {
    prefix,
    gateway,
    services,
    urls: serviceUrls,
    databases,
    token: (identity) => signClientToken(jwt, identity, 3600),
    async query(query, variables = {}, identity = null) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (identity) headers.authorization = `Bearer ${await shop.token(identity)}`;
      const response = await fetch(gateway.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as GraphQLResponse<never>;
    },
    stop: stopService,
    pid: (name) => children.get(name)?.pid,
    async kill(name) {
      const child = children.get(name);
      if (!child) throw new Error(`${name} runs in this process: only a service started as a child process can be killed`);
      children.delete(name);
      await signal(child, 'SIGKILL');
    },
    start,
    async restart(name, { downForMs = 0 } = {}) {
      await shop.stop(name);
      await new Promise((resolve) => setTimeout(resolve, downForMs));
      await shop.start(name);
    },
    close: () => stopAll(gateway),
  };
  return shop;
}

const urlEnv = (urls: Record<ServiceName, string>) =>
  Object.fromEntries(SERVICE_NAMES.map((name) => [`${name.toUpperCase()}_URL`, urls[name]]));

/** Runs `subgraphs/<name>/src/main.ts` as its own process and waits until it is ready. */
export async function startProcess(name: ServiceName, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const main = join(__dirname, '..', '..', 'subgraphs', name, 'src', 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitUntilReady(name, `http://127.0.0.1:${env.PORT}/graphql`, {
      failure: () => (child.exitCode !== null ? `exited with code ${child.exitCode} while starting` : undefined),
    });
    return child;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

function signal(child: ChildProcess, how: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(how);
  });
}
