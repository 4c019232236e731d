/**
 * Exponential backoff as in the record (MassTransit's `Exponential(retryLimit, minInterval,
 * maxInterval, intervalDelta)`): the delay before retry i (0-based) is min + 2^i * delta, capped
 * at max. Each delay becomes one delay queue, so jitter is left out: a queue has one TTL.
 */
export interface RetryPolicy {
  retryLimit: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  intervalDeltaMs: number;
}

export const recordRetryPolicy: RetryPolicy = {
  retryLimit: 5,
  minIntervalMs: 1_000,
  maxIntervalMs: 5 * 60_000,
  intervalDeltaMs: 2_000,
};

export function retryDelays(policy: RetryPolicy): number[] {
  return Array.from({ length: policy.retryLimit }, (_, i) =>
    Math.min(policy.minIntervalMs + 2 ** i * policy.intervalDeltaMs, policy.maxIntervalMs),
  );
}
