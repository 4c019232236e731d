/** What one scenario measured. */
export interface ScenarioResult {
  name: string;
  fault: string;
  checkouts: number;
  completed: number;
  failed: number;
  /** Worst time from a repair to the next completed checkout, in seconds; undefined when nothing was repaired while checkouts were open. */
  recoverySeconds?: number;
  /** From the end of the load until every invariant held, in seconds. */
  settleSeconds: number;
  duplicatesSuppressed: number;
  lost: number;
  deadLetters: Record<string, number>;
  violations: string[];
  /** Set when the scenario could not run to the end. */
  error?: string;
}

const seconds = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(1)} s`);

export const verdictOf = (result: ScenarioResult) => (result.error ? 'ERROR' : result.violations.length > 0 ? 'FAIL' : 'ok');

/** The figures of one scenario, one per line, as it ends. */
export function describeResult(result: ScenarioResult): string[] {
  if (result.error) return [`  error: ${result.error}`];
  const deadLetters = Object.entries(result.deadLetters).map(([queue, n]) => `${queue} ${n}`);
  return [
    `  checkouts ${result.checkouts}, completed ${result.completed}, failed ${result.failed}`,
    `  recovery time ${seconds(result.recoverySeconds)}, settled ${seconds(result.settleSeconds)} after the load`,
    `  duplicates suppressed ${result.duplicatesSuppressed}, dead-lettered ${deadLetters.length > 0 ? deadLetters.join(', ') : 'none'}`,
    `  lost: ${result.lost}`,
    ...(result.violations.length > 0 ? result.violations.map((v) => `  VIOLATION ${v}`) : ['  every invariant holds']),
  ];
}

/** The summary table the suite ends with, columns padded to line up. */
export function summaryTable(results: ScenarioResult[]): string {
  const header = ['scenario', 'checkouts', 'completed', 'failed', 'recovery', 'settled', 'duplicates suppressed', 'lost', 'result'];
  const rows = results.map((r) =>
    r.error
      ? [r.name, '-', '-', '-', '-', '-', '-', '-', verdictOf(r)]
      : [
          r.name,
          String(r.checkouts),
          String(r.completed),
          String(r.failed),
          seconds(r.recoverySeconds),
          seconds(r.settleSeconds),
          String(r.duplicatesSuppressed),
          String(r.lost),
          verdictOf(r),
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
