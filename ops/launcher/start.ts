import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PORTS, SERVICE_NAMES, loadConfig, waitUntilReady } from '@shop/platform';
import { SUPERGRAPH_FILE, composeSupergraph, subgraphsOnDisk } from '@shop/gateway/src/supergraph';
import { banner } from './banner';
import { seedDemoCatalogueThroughGateway } from './demo-catalogue';
import { checkInfrastructure, explainUnreachable } from './preflight';
import { type ServiceProcess, Supervisor } from './supervisor';

// `npm start`: the whole system on this machine, each service its own process plus the gateway.

const ROOT = join(__dirname, '..', '..');
const COLORS = [36, 33, 35, 32, 34, 31, 96];

async function main(): Promise<void> {
  const gatewayConfig = loadConfig('gateway');
  const problems = (await checkInfrastructure(loadConfig('product').databaseUrl, gatewayConfig.amqpUrl)).filter((r) => !r.ok);
  if (problems.length > 0) {
    console.error(explainUnreachable(problems));
    process.exit(1);
  }

  const subgraphs = subgraphsOnDisk(gatewayConfig.serviceUrls);
  const composition = composeSupergraph(subgraphs);
  if ('errors' in composition) throw new Error(`the subgraphs do not compose:\n  ${composition.errors.join('\n  ')}`);
  writeFileSync(SUPERGRAPH_FILE, composition.supergraphSdl);

  const supervisor = new Supervisor();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping every service...');
    await supervisor.stopAll();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const process_ = (name: string, entry: string, color: number, env: NodeJS.ProcessEnv = {}): ServiceProcess => ({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', join(ROOT, entry)],
    env: { ...process.env, ...env },
    color,
  });
  const names = SERVICE_NAMES.filter((name) => subgraphs.some((s) => s.name === name));
  names.forEach((name, i) => supervisor.start(process_(name, `subgraphs/${name}/src/main.ts`, COLORS[i % COLORS.length])));
  await Promise.all(names.map((name) => waitUntilReady(name, gatewayConfig.serviceUrls[name], { timeoutMs: 90_000 })));
  supervisor.start(process_('gateway', 'gateway/src/main.ts', 97, { GATEWAY_SUPERGRAPH_FILE: SUPERGRAPH_FILE }));
  const gatewayUrl = `http://127.0.0.1:${gatewayConfig.port}/graphql`;
  await waitUntilReady('gateway', gatewayUrl, { timeoutMs: 90_000 });

  const seeded = await seedDemoCatalogueThroughGateway(gatewayUrl, gatewayConfig.jwt);
  const services = Object.fromEntries(names.map((name) => [name, PORTS[name]]));
  console.log(await banner({ gatewayUrl, gatewayConfig, services, seeded }));
}

main().catch((err: Error) => {
  console.error(`npm start failed: ${err.message}`);
  process.exit(1);
});
