// The gateway benchmark's load generator, in a process of its own so that it never shares an event
// loop with what it measures. Closed loop: a fixed number of clients, each sending its next request
// as soon as its previous answer arrived and was checked, over keep-alive connections (undici, one
// connection per client). A warm-up, then a measured window: requests/s and latency percentiles of
// the answers that arrived inside the window. Every answer is checked (HTTP 200, no `errors`, the
// exact expected data), in the warm-up too.

import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { Pool } from 'undici';
import { serveAsChild } from './child';

export interface LoadRequest {
  url: string;
  body: string;
  expected: unknown;
  concurrency: number;
  warmupMs: number;
  windowMs: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Answers checked in the warm-up and the window together. */
  checked: number;
  errors: number;
  /** The first few failures, to say what went wrong. */
  errorSamples: string[];
}

const MAX_ERROR_SAMPLES = 3;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number, digits: number) => Number(n.toFixed(digits));

/** Why an answer is wrong, or null when it is exactly right. */
function problemWith(status: number, text: string, expected: unknown, expectedText: string): string | null {
  if (status !== 200) return `HTTP ${status}: ${text.slice(0, 300)}`;
  // The same answer serialised the same way is the common case; anything else is parsed and compared.
  if (text === expectedText) return null;
  let answer: { data?: unknown; errors?: unknown };
  try {
    answer = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 300)}`;
  }
  if (answer.errors !== undefined) return `errors: ${JSON.stringify(answer.errors).slice(0, 300)}`;
  if (!isDeepStrictEqual(answer.data, expected)) return `unexpected data: ${text.slice(0, 300)}`;
  return null;
}

async function measure({ url, body, expected, concurrency, warmupMs, windowMs }: LoadRequest): Promise<LoadResult> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const expectedText = JSON.stringify({ data: expected });
  const headers = { 'content-type': 'application/json' };
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let checked = 0;
  let errors = 0;
  // Set by the timers below while the clients run: answers arriving in [windowStart, windowEnd] are counted.
  let windowStart = Infinity;
  let windowEnd = Infinity;

  const client = async () => {
    while (performance.now() < windowEnd) {
      const startedAt = performance.now();
      let problem: string | null;
      try {
        const response = await pool.request({ origin: target.origin, path: target.pathname, method: 'POST', headers, body });
        problem = problemWith(response.statusCode, await response.body.text(), expected, expectedText);
      } catch (err) {
        problem = `request failed: ${(err as Error).message}`;
      }
      const arrivedAt = performance.now();
      if (arrivedAt > windowEnd) break; // after the window: neither counted nor timed
      checked++;
      if (problem) {
        errors++;
        if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(problem);
      } else if (arrivedAt >= windowStart) {
        latencies.push(arrivedAt - startedAt);
      }
    }
  };

  const clients = Array.from({ length: concurrency }, client);
  await sleep(warmupMs);
  windowStart = performance.now();
  await sleep(windowMs);
  windowEnd = performance.now();
  const windowSeconds = (windowEnd - windowStart) / 1000;
  await Promise.all(clients);
  await pool.close();

  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: round(latencies.length / windowSeconds, 1),
    p50Ms: round(percentile(latencies, 50), 2),
    p95Ms: round(percentile(latencies, 95), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    checked,
    errors,
    errorSamples,
  };
}

process.on('message', (message: LoadRequest | 'stop') => {
  if (message === 'stop') return;
  measure(message).then(
    (result) => process.send!(result),
    (err: Error) => process.send!({ failed: err.message }),
  );
});
serveAsChild(true, async () => undefined);
