// `npm run bench`: bench:events, bench:gateway, bench:checkout and bench:subscriptions in turn,
// each in a process of its own, taking each one's last line of JSON. Writes them together with
// the machine to results/bench.json and draws docs/bench.svg. Takes about 10 minutes and loads
// the whole machine: run it when nothing else does.
// `npm run bench -- --chart` runs nothing: it redraws docs/bench.svg from the result file each
// benchmark wrote last (results/<name>.json).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type BenchResults, type Machine, benchChart } from './chart';

const BENCHES = ['events', 'gateway', 'checkout', 'subscriptions'] as const;
type BenchName = (typeof BENCHES)[number];

const RESULTS = join(__dirname, 'results');
const CHART = join(__dirname, '..', '..', 'docs', 'bench.svg');

const machine = (loadAverageAtStart: number[]): Machine => ({
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
  loadAverageAtStart,
});

/** Runs `<name>.ts` in its own process, passing its output through; resolves with its last line of JSON. */
function runBench(name: BenchName): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, `${name}.ts`)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last: Record<string, unknown> | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      console.log(line);
      if (!line.startsWith('{')) return;
      try {
        last = JSON.parse(line) as Record<string, unknown>;
      } catch {
        // a line that only looks like JSON
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`bench:${name} exited with code ${code}`));
      else if (!last) reject(new Error(`bench:${name} printed no line of JSON`));
      else resolve(last);
    });
  });
}

function draw(results: BenchResults): void {
  mkdirSync(join(CHART, '..'), { recursive: true });
  writeFileSync(CHART, benchChart(results));
  console.log(`chart: ${CHART}`);
}

async function runAll(): Promise<void> {
  const results: BenchResults = { date: new Date().toISOString(), machine: machine(loadavg()) };
  const failures: string[] = [];
  for (const name of BENCHES) {
    console.log(`\n=== bench:${name} ===`);
    try {
      Object.assign(results, { [name]: await runBench(name) });
    } catch (err) {
      failures.push((err as Error).message);
      console.error((err as Error).message);
    }
  }
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${join(RESULTS, 'bench.json')}`);
  draw(results);
  if (failures.length > 0) {
    console.error(`not measured: ${failures.join('; ')}`);
    process.exit(1);
  }
}

/** The chart from each benchmark's own result file, dated by the newest of them. */
function chartFromResultFiles(): void {
  const results: BenchResults = { date: '', machine: machine([]) };
  for (const name of BENCHES) {
    const file = join(RESULTS, `${name}.json`);
    if (!existsSync(file)) continue;
    const result = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { date: string };
    Object.assign(results, { [name]: result });
    if (result.date > results.date) results.date = result.date;
  }
  if (!results.date) throw new Error(`no result files in ${RESULTS}: run npm run bench first`);
  draw(results);
}

const args = process.argv.slice(2);
if (args.length > 1 || (args.length === 1 && args[0] !== '--chart')) {
  console.error('usage: npm run bench [-- --chart]');
  process.exit(2);
}
if (args[0] === '--chart') chartFromResultFiles();
else
  runAll().catch((err: Error) => {
    console.error(`bench failed: ${err.message}`);
    process.exit(1);
  });
