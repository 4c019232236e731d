import { recordRetryPolicy, retryDelays } from './retry-policy';

describe('retryDelays', () => {
  it('follows the record: limit 5, 1 s minimum, 2 s delta, doubling', () => {
    expect(retryDelays(recordRetryPolicy)).toEqual([3_000, 5_000, 9_000, 17_000, 33_000]);
  });

  it('never exceeds the maximum interval', () => {
    const delays = retryDelays({ retryLimit: 12, minIntervalMs: 1_000, maxIntervalMs: 300_000, intervalDeltaMs: 2_000 });
    expect(delays).toHaveLength(12);
    expect(Math.max(...delays)).toBe(300_000);
    expect(delays.slice(-3)).toEqual([300_000, 300_000, 300_000]);
  });

  it('gives no retry at all with a limit of 0', () => {
    expect(retryDelays({ ...recordRetryPolicy, retryLimit: 0 })).toEqual([]);
  });
});
