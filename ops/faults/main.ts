// `npm run test:faults -- [--profile short|full] [--only kill,duplicates,...]`: each scenario
// starts the whole system on fresh databases and its own queue prefix, runs checkouts through the
// gateway at a steady rate, breaks something in the middle, then waits until every invariant holds
// (or reports what does not). The rabbitmq and postgres scenarios stop the shared servers: run
// them only on a machine nobody else is using. Exits non-zero unless every scenario passed.
process.env.LOG_LEVEL ??= 'error';

import { cpus, loadavg } from 'node:os';
import { type Shop, startShop } from '../world/shop';
import { parseArguments } from './arguments';
import { checkInvariants, settle } from './invariants';
import { type ScenarioResult, describeResult, summaryTable, verdictOf } from './report';
import { type ProfileName, SCENARIOS, type Scenario, duplicatesSuppressed, paymentTokenOf } from './scenarios';
import { CompletionMonitor, createCatalogue, prepareCustomers, runLoad, sleep } from './workload';

/** How long a scenario may take, after its load, to reach a state where every invariant holds. */
const SETTLE_TIMEOUT_MS = 180_000;

async function runScenario(scenario: Scenario, profile: ProfileName): Promise<ScenarioResult> {
  const log = (line: string) => console.log(`[${scenario.name}] ${line}`);
  const { checkouts, perSecond } = scenario.load[profile];
  const result: ScenarioResult = {
    name: scenario.name,
    fault: scenario.fault,
    checkouts,
    completed: 0,
    failed: 0,
    settleSeconds: 0,
    duplicatesSuppressed: 0,
    lost: 0,
    deadLetters: {},
    violations: [],
  };
  let shop: Shop | undefined;
  try {
    log(`${scenario.fault}: ${checkouts} checkouts at ${perSecond}/s`);
    shop = await startShop({ label: `faults_${scenario.name}`, ...scenario.shop });
    const skus = await createCatalogue(shop);
    const customers = await prepareCustomers(shop, skus, checkouts, paymentTokenOf(scenario));
    const monitor = new CompletionMonitor(shop.databases.checkout.url);
    monitor.start();
    const loadSeconds = checkouts / perSecond;
    const running = shop;
    const [load, repairs] = await Promise.allSettled([
      runLoad(running, customers, perSecond),
      sleep((loadSeconds * 1000) / 4).then(() => scenario.inject(running, log)),
    ]);
    if (load.status === 'rejected') throw load.reason;
    if (repairs.status === 'rejected') throw repairs.reason;
    log(`load done: ${customers.length - load.value.notStarted} checkouts started, ${load.value.retries} startCheckout calls retried`);
    const { verdict, seconds } = await settle(
      () => checkInvariants(running, customers, scenario.expectedDeadLetters ?? {}, scenario.check),
      SETTLE_TIMEOUT_MS,
    );
    await monitor.stop();
    // A repair after the last checkout completed has nothing to recover: it has no figure.
    const recoveries = repairs.value.flatMap((at) => monitor.recoverySeconds(at) ?? []);
    Object.assign(result, {
      completed: verdict.completed,
      failed: verdict.failed,
      lost: verdict.lost + load.value.notStarted,
      deadLetters: verdict.deadLetters,
      settleSeconds: seconds,
      recoverySeconds: recoveries.length > 0 ? Math.max(...recoveries) : undefined,
      duplicatesSuppressed: await duplicatesSuppressed(running),
      violations: [
        ...verdict.violations,
        ...(load.value.notStarted > 0 ? [`${load.value.notStarted} checkouts never accepted by the gateway`] : []),
      ],
    });
  } catch (err) {
    result.error = (err as Error).message;
  } finally {
    await shop?.close().catch((err: Error) => log(`cleaning up failed: ${err.message}`));
  }
  for (const line of describeResult(result)) log(line);
  return result;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArguments(
      process.argv.slice(2),
      process.env,
      SCENARIOS.map((s) => s.name),
    );
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const scenarios = SCENARIOS.filter((s) => !args.only || args.only.includes(s.name));
  const disruptive = scenarios.filter((s) => s.disruptive).map((s) => s.name);
  console.log(
    `fault suite, ${args.profile} profile: ${scenarios.map((s) => s.name).join(', ')} on ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (disruptive.length > 0) console.log(`${disruptive.join(' and ')} stop the shared servers: nothing else should use them meanwhile`);
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) results.push(await runScenario(scenario, args.profile));
  console.log(`\n${summaryTable(results)}`);
  const passed = results.filter((r) => verdictOf(r) === 'ok').length;
  console.log(`${passed} of ${results.length} scenarios passed`);
  process.exit(passed === results.length ? 0 : 1);
}

void main();
