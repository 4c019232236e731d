import type { Logger } from '@shop/events';

export interface PeriodicWork {
  /** How often a pass starts; a tick while the previous pass still runs is skipped. */
  intervalMs: number;
  /** One pass of the work. */
  pass: () => Promise<void>;
  logger: Logger;
  /** Logged with the error when a pass fails; the next tick tries again. */
  failureMessage: string;
  failureLevel?: 'warn' | 'error';
}

/**
 * Runs a service's background work every `intervalMs`, one pass at a time. The timer does not
 * keep the process alive: the service stops it. Returns how to stop it, after the pass in flight.
 */
export function startPeriodic({ intervalMs, pass, logger, failureMessage, failureLevel = 'warn' }: PeriodicWork): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= pass()
      .catch((err: Error) => logger[failureLevel]({ err: err.message }, failureMessage))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
