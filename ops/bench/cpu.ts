import { readFileSync, readdirSync } from 'node:fs';

// CPU accounting for the benchmarks, read from /proc: what each process (a service, PostgreSQL's
// backends, the broker) spent during a phase, next to how busy the whole machine was.

/** CPU seconds a process has used so far, from /proc (in ticks of 10 ms); 0 once it is gone. */
export function processCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds the whole machine has spent busy so far. */
export function machineCpu(): number {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) / 100;
}

/** The processes whose command name is this one, such as `beam.smp` (RabbitMQ). */
export function pidsNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    });
}

/** CPU seconds used between two readings of the same processes; one that started in between spent all of its CPU there. */
export function cpuSince(start: Map<number, number>, end: Map<number, number>): number {
  return [...end].reduce((sum, [pid, cpu]) => sum + cpu - (start.get(pid) ?? 0), 0);
}

/** A reading of several processes' CPU seconds so far, by process id, for `cpuSince`. */
export function cpuOf(pids: number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, processCpu(pid)]));
}
