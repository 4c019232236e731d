import { type ScenarioResult, describeResult, summaryTable } from './report';

const passed: ScenarioResult = {
  name: 'kill',
  fault: 'kill -9',
  checkouts: 300,
  completed: 285,
  failed: 15,
  recoverySeconds: 1.25,
  settleSeconds: 8,
  duplicatesSuppressed: 12,
  lost: 0,
  deadLetters: {},
  violations: [],
};

describe('fault suite report', () => {
  it('prints each figure of a scenario', () => {
    expect(describeResult(passed)).toEqual([
      '  checkouts 300, completed 285, failed 15',
      '  recovery time 1.3 s, settled 8.0 s after the load',
      '  duplicates suppressed 12, dead-lettered none',
      '  lost: 0',
      '  every invariant holds',
    ]);
  });

  it('ends with a table, one row per scenario, a failure or an error said in its row', () => {
    const failing = {
      ...passed,
      name: 'poison',
      recoverySeconds: undefined,
      deadLetters: { 'x.dlq': 1 },
      violations: ['1 queue not as expected'],
    };
    const broken = { ...passed, name: 'postgres', error: 'pg_ctlcluster failed' };
    const lines = summaryTable([passed, failing, broken]).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      /^\| scenario \| checkouts \| completed \| failed \| recovery \| settled \| duplicates suppressed \| lost \| result \|$/,
    );
    expect(lines[2]).toMatch(/^\| kill +\| 300 +\| 285 +\| 15 +\| 1\.3 s +\| 8\.0 s +\| 12 +\| 0 +\| ok +\|$/);
    expect(lines[3]).toMatch(/\| - +\| .*\| FAIL +\|$/);
    expect(lines[4]).toMatch(/^\| postgres .*\| ERROR +\|$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});
