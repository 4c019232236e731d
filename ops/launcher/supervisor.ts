import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  color: number;
}

const RESTART_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
/** A process that stayed up this long counts as healthy again: its next crash restarts it quickly. */
const STABLE_AFTER_MS = 60_000;

/**
 * Runs each service as its own process, prefixes its log lines with its name, restarts it when it
 * dies (with growing pauses), and stops them all cleanly.
 */
export class Supervisor {
  private readonly running = new Map<string, ChildProcess>();
  private stopping = false;

  constructor(private readonly width = 10) {}

  start(service: ServiceProcess, crashes = 0): void {
    if (this.stopping) return;
    const startedAt = Date.now();
    const child = spawn(service.command, service.args, { env: service.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.running.set(service.name, child);
    const prefix = `\x1b[${service.color}m${service.name.padEnd(this.width)}\x1b[0m |`;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => console.log(`${prefix} ${line}`));
    }
    child.on('exit', (code, signal) => {
      this.running.delete(service.name);
      if (this.stopping) return;
      const streak = Date.now() - startedAt > STABLE_AFTER_MS ? 0 : crashes + 1;
      const delay = RESTART_BACKOFF_MS[Math.min(streak, RESTART_BACKOFF_MS.length - 1)];
      console.log(`${prefix} exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000} s`);
      setTimeout(() => this.start(service, streak), delay);
    });
  }

  /** SIGTERM to every service, then waits for them (SIGKILL after the grace period). */
  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    const exits = [...this.running.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
        }),
    );
    await Promise.all(exits);
  }
}
