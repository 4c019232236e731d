import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { freePort } from '../../world/shop';
import { Child } from './child';
import type { GatewayProcessOptions } from './gateway-process';
import type { BenchQuery } from './workload';

// The gateways under test, each in a process of its own, all serving the same supergraph file.

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** This project's gateway (`ours`) or plain Apollo Gateway (`apollo`); `execArgv` e.g. for --cpu-prof. */
export async function startNodeGateway(
  options: GatewayProcessOptions,
  env: NodeJS.ProcessEnv,
  execArgv: string[] = [],
): Promise<RunningGateway> {
  const { child, ready } = await Child.start<string>(`the ${options.kind} gateway`, join(__dirname, 'gateway-process.ts'), {
    args: [JSON.stringify(options)],
    env,
    execArgv,
  });
  return { url: ready, stop: () => child.stop() };
}

/**
 * Hive Gateway through its own CLI with default settings (`hive-gateway supergraph <file>`), in a
 * folder with no configuration file. It is ready once it answers `probe` with the expected data.
 */
export async function startHiveGateway(supergraphFile: string, env: NodeJS.ProcessEnv, probe: BenchQuery): Promise<RunningGateway> {
  const packageFile = require.resolve('@graphql-hive/gateway/package.json');
  const bin = join(
    dirname(packageFile),
    (JSON.parse(readFileSync(packageFile, 'utf8')) as { bin: Record<string, string> }).bin['hive-gateway'],
  );
  const port = await freePort();
  const hive = spawn(process.execPath, [bin, 'supergraph', supergraphFile, '--host', '127.0.0.1', '--port', String(port)], {
    cwd: dirname(supergraphFile),
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => hive.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}/graphql`;
  const stop = () => stopProcess(hive, exited);
  try {
    await Promise.race([
      answersCorrectly(url, probe),
      exited.then((code) => Promise.reject(new Error(`Hive Gateway exited with ${code} before it was ready`))),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

/** Sends one request; throws with the answer unless it is HTTP 200 with exactly the expected data and no errors. */
export async function checkAnswer(url: string, query: BenchQuery): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: query.body });
  const text = await response.text();
  let answer: { data?: unknown; errors?: unknown } | undefined;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (response.status !== 200 || answer?.errors !== undefined || !isDeepStrictEqual(answer?.data, query.expected))
    throw new Error(`${url} answered HTTP ${response.status}: ${text.slice(0, 500)}`);
}

async function answersCorrectly(url: string, probe: BenchQuery): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      await checkAnswer(url, probe);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${url} is not ready after ${READY_TIMEOUT_MS} ms: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
