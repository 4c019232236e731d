import { createLogger } from '@shop/events';
import { startPeriodic } from './periodic';

describe('startPeriodic', () => {
  it('runs one pass at a time, goes on after a failure, and stops after the pass in flight', async () => {
    let passes = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    let finished = 0;
    const lines: { level: number; msg: string; err: string }[] = [];
    const logger = createLogger('periodic-test', 'info', { write: (line: string) => lines.push(JSON.parse(line)) });
    const stop = startPeriodic({
      intervalMs: 5,
      logger,
      failureMessage: 'pass failed',
      pass: async () => {
        passes += 1;
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight -= 1;
        finished += 1;
        if (passes === 1) throw new Error('first pass fails');
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 120));
    await stop();
    const passesAtStop = passes;
    await new Promise((resolve) => setTimeout(resolve, 30));

    expect(mostInFlight).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'pass failed', err: 'first pass fails' })]);
    expect(passesAtStop).toBeGreaterThan(1);
    expect(finished).toBe(passesAtStop);
    expect(passes).toBe(passesAtStop);
  });
});
