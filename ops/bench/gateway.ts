// The gateway benchmark: this project's gateway next to plain Apollo Gateway (on @apollo/server's
// standalone server) and Hive Gateway, all with default settings except ours, in front of the same
// running product and inventory subgraphs (each its own process, on fresh databases, seeded with
// 60 products with stock) and the same supergraph file, composed from the two subgraphs' SDL at
// their actual URLs. Three queries: one product by SKU (one subgraph), the product with its stock
// (two subgraphs), 50 products with stock; plus the first sent to the product subgraph directly.
// Load comes from a closed-loop generator in a process of its own (load-generator.ts); each
// target and query is measured several times, interleaved, and the median run is reported.
// The baselines cannot sign subgraph requests: the subgraphs run with
// INSECURE_SKIP_SIGNATURE_CHECK=benchmark-only, which lets unsigned requests in as anonymous. Our
// gateway still signs every request and the subgraphs still verify those signatures.
// Ends with one line of JSON, also written to results/gateway.json with the date and machine.
process.env.LOG_LEVEL ??= 'warn';

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, deleteBrokerObjects, type TestDatabase, uniqueName } from '@shop/events/src/testing';
import { composeSupergraph } from '@shop/gateway/src/supergraph';
import { INSECURE_SKIP_SIGNATURE_CHECK_VALUE, loadConfig } from '@shop/platform';
import { Child } from './gateway/child';
import type { LoadRequest, LoadResult } from './gateway/load-generator';
import { seedCatalogue } from './gateway/seed';
import type { SubgraphProcessOptions } from './gateway/subgraph-process';
import { type RunningGateway, checkAnswer, startHiveGateway, startNodeGateway } from './gateway/targets';
import { PRODUCT_COUNT, QUERIES, type QueryName } from './gateway/workload';

const positive = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

const settings = {
  concurrency: positive('GATEWAY_BENCH_CONCURRENCY', 32),
  warmupMs: positive('GATEWAY_BENCH_WARMUP_MS', 2_000),
  windowMs: positive('GATEWAY_BENCH_WINDOW_MS', 5_000),
  runs: positive('GATEWAY_BENCH_RUNS', 3),
};
/** Set to a folder to write a CPU profile of our gateway there (node --cpu-prof), for finding what to make faster. */
const profileDir = process.env.GATEWAY_BENCH_CPU_PROF_DIR;

type TargetName = 'ours' | 'apollo' | 'hive';
const TARGETS: TargetName[] = ['ours', 'apollo', 'hive'];
const QUERY_NAMES: QueryName[] = ['single', 'federated', 'list'];
const REPO_ROOT = join(__dirname, '..', '..');

const log = (line: string) => console.log(`[bench:gateway] ${line}`);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (n: number, digits = 0) => Number(n.toFixed(digits));
/** Undoes what the benchmark created, last first; each step runs even if one before failed. */
class Cleanups {
  private readonly steps: { what: string; run: () => Promise<void> | void }[] = [];

  add(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run });
  }

  async runAll(): Promise<void> {
    for (const { what, run } of this.steps.splice(0).reverse()) {
      try {
        await run();
      } catch (err) {
        console.error(`[bench:gateway] cleaning up ${what} failed: ${(err as Error).message}`);
      }
    }
  }
}

async function main(): Promise<void> {
  const loadAverageAtStart = loadavg().map((n) => round(n, 2));
  const machine = { cpu: cpus()[0].model, cores: cpus().length, node: process.version, loadAverageAtStart };
  log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${loadAverageAtStart.join(' ')}`);
  if (loadAverageAtStart[0] > machine.cores / 2)
    log(`the machine is busy (load average ${loadAverageAtStart[0]} on ${machine.cores} cores): expect lower and noisier numbers`);
  log(
    `${settings.concurrency} clients, ${settings.warmupMs} ms warm-up, ${settings.windowMs} ms window, ${settings.runs} runs per target and query`,
  );
  const cleanups = new Cleanups();
  const interrupted = () => void cleanups.runAll().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const prefix = `${uniqueName('bench_gw')}.`;
    cleanups.add(`broker objects ${prefix}*`, () => deleteBrokerObjects(prefix));
    const subgraphEnv = { ...process.env, INSECURE_SKIP_SIGNATURE_CHECK: INSECURE_SKIP_SIGNATURE_CHECK_VALUE };
    const subgraphUrls = {} as Record<SubgraphProcessOptions['name'], string>;
    for (const name of ['product', 'inventory'] as const) {
      const database: TestDatabase = await createTestDatabase(`bench_gw_${name}`);
      cleanups.add(`database ${database.name}`, () => database.drop());
      const options: SubgraphProcessOptions = { name, databaseUrl: database.url, queuePrefix: prefix };
      const { child, ready } = await Child.start<string>(`the ${name} subgraph`, join(__dirname, 'gateway', 'subgraph-process.ts'), {
        args: [JSON.stringify(options)],
        env: subgraphEnv,
      });
      cleanups.add(`the ${name} subgraph`, () => child.stop());
      subgraphUrls[name] = ready;
    }
    log(`subgraphs: product ${subgraphUrls.product}, inventory ${subgraphUrls.inventory}`);
    await seedCatalogue(loadConfig('product').internalSigningKey, subgraphUrls.product, subgraphUrls.inventory);
    log(`seeded ${PRODUCT_COUNT} products with stock`);

    const composition = composeSupergraph(
      (['product', 'inventory'] as const).map((name) => ({
        name,
        url: subgraphUrls[name],
        sdl: readFileSync(join(REPO_ROOT, 'subgraphs', name, 'schema.graphql'), 'utf8'),
      })),
    );
    if ('errors' in composition) throw new Error(`the subgraphs do not compose: ${composition.errors.join('; ')}`);
    const folder = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
    cleanups.add(`folder ${folder}`, () => rmSync(folder, { recursive: true, force: true }));
    const supergraphFile = join(folder, 'supergraph.graphql');
    writeFileSync(supergraphFile, composition.supergraphSdl);

    const gatewayEnv = { ...process.env };
    const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const gateways = {} as Record<TargetName, RunningGateway>;
    gateways.ours = await startNodeGateway({ kind: 'ours', supergraphFile, queuePrefix: prefix }, gatewayEnv, profileArgs);
    cleanups.add('our gateway', () => gateways.ours.stop());
    gateways.apollo = await startNodeGateway({ kind: 'apollo', supergraphFile, queuePrefix: prefix }, gatewayEnv);
    cleanups.add('Apollo Gateway', () => gateways.apollo.stop());
    gateways.hive = await startHiveGateway(supergraphFile, gatewayEnv, QUERIES.single);
    cleanups.add('Hive Gateway', () => gateways.hive.stop());
    for (const target of TARGETS) {
      log(`${target}: ${gateways[target].url}`);
      for (const query of QUERY_NAMES) await checkAnswer(gateways[target].url, QUERIES[query]);
    }
    await checkAnswer(subgraphUrls.product, QUERIES.single);

    const { child: generator } = await Child.start<true>('the load generator', join(__dirname, 'gateway', 'load-generator.ts'));
    cleanups.add('the load generator', () => generator.stop());
    const measure = async (label: string, url: string, query: QueryName): Promise<LoadResult> => {
      const request: LoadRequest = { url, body: QUERIES[query].body, expected: QUERIES[query].expected, ...settings };
      const result = await generator.ask<LoadRequest, LoadResult | { failed: string }>(request);
      if ('failed' in result) throw new Error(`the load generator failed: ${result.failed}`);
      const errors = result.errors ? `, ${result.errors} errors (${result.errorSamples.join(' | ')})` : '';
      log(
        `${label.padEnd(20)} ${String(result.requestsPerSecond).padStart(8)} req/s  p50 ${result.p50Ms} ms  p95 ${result.p95Ms} ms  p99 ${result.p99Ms} ms${errors}`,
      );
      return result;
    };

    // Runs interleave the targets, each run starting with another one, so that a change in the
    // machine's load, or a position in the order, falls on all of them alike.
    const runs = Object.fromEntries(
      QUERY_NAMES.map((query) => [query, Object.fromEntries(TARGETS.map((target) => [target, [] as LoadResult[]]))]),
    ) as Record<QueryName, Record<TargetName, LoadResult[]>>;
    const directRuns: LoadResult[] = [];
    for (let run = 1; run <= settings.runs; run++) {
      log(`run ${run} of ${settings.runs}`);
      for (const query of QUERY_NAMES) {
        for (let i = 0; i < TARGETS.length; i++) {
          const target = TARGETS[(i + run - 1) % TARGETS.length];
          runs[query][target].push(await measure(`${query} ${target}`, gateways[target].url, query));
        }
      }
      directRuns.push(await measure('single direct', subgraphUrls.product, 'single'));
    }
    const loadAverageAtEnd = loadavg().map((n) => round(n, 2));

    const medianOf = (results: LoadResult[]) => ({
      rps: round(median(results.map((r) => r.requestsPerSecond))),
      p95Ms: round(median(results.map((r) => r.p95Ms)), 1),
    });
    const errors = [...QUERY_NAMES.flatMap((query) => TARGETS.flatMap((target) => runs[query][target])), ...directRuns].reduce(
      (sum, r) => sum + r.errors,
      0,
    );
    const queries = Object.fromEntries(
      QUERY_NAMES.map((query) => {
        const [ours, apollo, hive] = TARGETS.map((target) => medianOf(runs[query][target]));
        return [query, { ours_rps: ours.rps, apollo_rps: apollo.rps, hive_rps: hive.rps, ours_p95_ms: ours.p95Ms }];
      }),
    );
    const summary = { queries, direct_rps: medianOf(directRuns).rps, errors };

    log('medians (requests/s, p95 ms):');
    for (const query of QUERY_NAMES) {
      const line = TARGETS.map((target) => {
        const { rps, p95Ms } = medianOf(runs[query][target]);
        return `${target} ${rps} (${p95Ms} ms)`;
      }).join(', ');
      const { ours, hive, apollo } = Object.fromEntries(TARGETS.map((target) => [target, medianOf(runs[query][target]).rps]));
      log(`  ${query.padEnd(9)} ${line}; ours/hive ${round(ours / hive, 2)}x, ours/apollo ${round(ours / apollo, 2)}x`);
    }
    log(`  direct    ${summary.direct_rps} (${medianOf(directRuns).p95Ms} ms)`);

    const resultsDir = join(__dirname, 'results');
    await mkdir(resultsDir, { recursive: true });
    const detail = {
      ...summary,
      date: new Date().toISOString(),
      machine: { ...machine, loadAverageAtEnd },
      settings,
      // The baselines' packages, pinned exactly in ops/package.json.
      baselines: (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> })
        .devDependencies,
      signatures:
        'subgraphs run with INSECURE_SKIP_SIGNATURE_CHECK=benchmark-only; our gateway signs every request, the baselines send none',
      runs: { ...runs, direct: directRuns },
    };
    await writeFile(join(resultsDir, 'gateway.json'), `${JSON.stringify(detail, null, 2)}\n`);
    await cleanups.runAll();
    console.log(JSON.stringify(summary));
  } finally {
    await cleanups.runAll();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`[bench:gateway] failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
