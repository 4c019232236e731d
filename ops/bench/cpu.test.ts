import { cpuOf, cpuSince, machineCpu, pidsNamed, processCpu } from './cpu';

/** Works until this process has used this much CPU time, however busy the machine is. */
function spin(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const { user, system } = process.cpuUsage(start);
    if (user + system >= ms * 1000) return;
  }
}

describe('CPU accounting from /proc', () => {
  it("reads a process's CPU time, which grows while it works, and the machine's with it", () => {
    const before = processCpu(process.pid);
    const machineBefore = machineCpu();
    spin(150);
    expect(processCpu(process.pid) - before).toBeGreaterThanOrEqual(0.1);
    expect(machineCpu() - machineBefore).toBeGreaterThanOrEqual(0.1);
  });

  it('reads 0 for a process that is gone', () => {
    expect(processCpu(2 ** 22 + 1)).toBe(0);
  });

  it('finds processes by command name', () => {
    expect(pidsNamed('node')).toContain(process.pid);
    expect(pidsNamed('no-such-command-here')).toEqual([]);
  });

  it('counts what each process used between two readings, and all of it for one that started in between', () => {
    const start = new Map([
      [1, 2.5],
      [2, 10],
    ]);
    const end = new Map([
      [1, 3],
      [2, 10.25],
      [3, 0.75],
    ]);
    expect(cpuSince(start, end)).toBeCloseTo(0.5 + 0.25 + 0.75);
  });

  it('reads several processes at once', () => {
    const readings = cpuOf([process.pid]);
    expect(readings.get(process.pid)).toBeGreaterThan(0);
  });
});
