import { type ChildProcess, fork } from 'node:child_process';

// Every part of the gateway benchmark runs in a process of its own, as in production: the
// subgraphs, each gateway and the load generator. They talk over Node's IPC channel: a child says
// { ready } once it serves, takes requests, and stops cleanly on 'stop'.

/** What a child says once it is ready, e.g. the URL it serves. */
export interface Ready<T> {
  ready: T;
}

const STOP_TIMEOUT_MS = 15_000;

/** A TypeScript module running in a child process (through tsx), started and stopped over IPC. */
export class Child {
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly process: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => process.on('exit', (code) => resolve(code)));
  }

  /** Forks the module and waits until it says it is ready, or fails if it exits first. */
  static async start<T>(
    name: string,
    modulePath: string,
    options: { args?: string[]; env?: NodeJS.ProcessEnv; execArgv?: string[] } = {},
  ): Promise<{ child: Child; ready: T }> {
    const process = fork(modulePath, options.args ?? [], {
      execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
      env: options.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child = new Child(name, process);
    const ready = await Promise.race([
      new Promise<T>((resolve) => process.on('message', (message: Ready<T>) => 'ready' in message && resolve(message.ready))),
      child.exited.then((code) => Promise.reject(new Error(`${name} exited with ${code} before it was ready`))),
    ]);
    return { child, ready };
  }

  /** Sends one request and waits for the next message that is not a readiness message. */
  async ask<Q, A>(request: Q): Promise<A> {
    const answer = new Promise<A>((resolve) => this.process.once('message', (message: A) => resolve(message)));
    this.process.send(request as object);
    return Promise.race([answer, this.exited.then((code) => Promise.reject(new Error(`${this.name} exited with ${code}`)))]);
  }

  /** Asks the child to finish what it does and exit; kills it if it takes too long. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.send('stop');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

/** In a child: reports readiness, and runs `stop` then exits when the parent says 'stop' (or goes away). */
export function serveAsChild<T>(ready: T, stop: () => Promise<void>): void {
  let stopping = false;
  const exit = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`stopping failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('message', (message) => message === 'stop' && exit());
  process.on('disconnect', exit);
  process.send!({ ready } satisfies Ready<T>);
}
