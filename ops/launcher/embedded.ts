import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@shop/platform';
import { banner } from './banner';
import { seedDemoCatalogueThroughGateway } from './demo-catalogue';
import { EMBEDDED_LIMITS, startEmbeddedShop } from './embedded-shop';

// `npm run start:embedded`: the whole system in ONE process, on embedded PostgreSQL and the
// in-process broker, for a machine with nothing installed but Node.

/** Kept between runs, so the second start is quicker and the catalogue is still there. */
const DATA_DIR = join(tmpdir(), 'shop-federation-embedded');

async function main(): Promise<void> {
  const gatewayConfig = loadConfig('gateway');
  if (gatewayConfig.production) {
    throw new Error('NODE_ENV=production: the embedded mode is not for production; run the services with PostgreSQL and RabbitMQ');
  }
  console.log(
    [
      'Starting the shop EMBEDDED: every service and the gateway in this ONE process, each service on its',
      `own embedded PostgreSQL (PGlite, data in ${DATA_DIR}), messages through an in-process broker.`,
      'This mode does not promise:',
      ...EMBEDDED_LIMITS.map((limit) => `  - ${limit}`),
      'With PostgreSQL and RabbitMQ running (or `docker compose up`), `npm start` runs each service as its own process.',
      '',
      'Opening the databases (a few seconds each, longer the first time)...',
    ].join('\n'),
  );
  await requirePortFree(gatewayConfig.port);
  const releaseDataDir = claimDataDir(DATA_DIR);
  const shop = await startEmbeddedShop({
    dataDir: DATA_DIR,
    gatewayPort: gatewayConfig.port,
    onDatabaseReady: (name) => console.log(`  ${name}: embedded PostgreSQL ready`),
  }).catch((err: Error) => {
    releaseDataDir();
    throw err;
  });
  let stopping = false;
  // Closing the databases cleanly matters here: PGlite writes its files on close.
  const stop = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping every service and closing the databases...');
    await shop.close();
    releaseDataDir();
    process.exit(exitCode);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  try {
    const seeded = await seedDemoCatalogueThroughGateway(shop.gateway.url, gatewayConfig.jwt);
    const services = Object.fromEntries(Object.entries(shop.urls).map(([name, url]) => [name, Number(new URL(url).port)]));
    const notes = [
      'EMBEDDED mode: one process, PGlite and an in-process broker; not for production or load (see above).',
      `Data: ${DATA_DIR} (delete it to start afresh).`,
    ];
    console.log(await banner({ gatewayUrl: shop.gateway.url, gatewayConfig, services, seeded, notes }));
  } catch (err) {
    console.error(`npm run start:embedded failed: ${(err as Error).message}`);
    await stop(1);
  }
}

async function requirePortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${port} is already in use (is \`npm start\` running?): stop it, or set GATEWAY_PORT`)
          : err,
      ),
    );
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

/** One embedded shop per data folder: two PGlite instances on the same files would corrupt them. */
function claimDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const ownerFile = join(dir, 'owner.pid');
  const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : undefined;
  if (owner && owner !== process.pid && isRunning(owner)) {
    throw new Error(`another \`npm run start:embedded\` (pid ${owner}) is using ${dir}: stop it first`);
  }
  writeFileSync(ownerFile, String(process.pid));
  return () => rmSync(ownerFile, { force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

main().catch((err: Error) => {
  console.error(`npm run start:embedded failed: ${err.message}`);
  console.error(`If a database will not open (e.g. after the process was killed), delete ${DATA_DIR} and start again.`);
  process.exit(1);
});
