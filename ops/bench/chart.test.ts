import { type BenchResults, benchChart, escapeXml } from './chart';

const machine = { cpu: 'AMD EPYC', cores: 2, memoryGb: 24, node: 'v20.20.2', loadAverageAtStart: [1.5, 2, 3.25] };

const results: BenchResults = {
  date: '2026-11-27T10:00:00.000Z',
  machine,
  events: { events_per_s: 2357, events_per_s_unbatched: 195, p50_ms: 65.2, p95_ms: 143 },
  gateway: { queries: { single: { ours_rps: 2656, apollo_rps: 202, hive_rps: 620, ours_p95_ms: 20.8 } }, direct_rps: 506 },
  checkout: { checkouts_per_s: 8.6, p50_ms: 32256.5, p95_ms: 34152.9, completed: 900, failed: 0 },
  subscriptions: { subscribers: 10000, p50_ms: 12, p95_ms: 48, delivered: 30000, expected: 30000, kb_per_subscription: 9.4 },
};

describe('benchmark chart', () => {
  it('draws every figure as measured, with the machine and the targets', () => {
    const svg = benchChart(results);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const shown of [
      '2,656 req/s',
      '620 req/s',
      '2,357 events/s',
      '8.6 /s',
      '48 ms',
      'delivered 30,000 of 30,000',
      '9.4 KB per subscription',
      'target 5,000/s',
      'target p95 100 ms',
      '2026-11-27: 2 cores (AMD EPYC), 24 GB, Node v20.20.2, load average at start 1.50 2.00 3.25',
    ]) {
      expect(svg).toContain(shown);
    }
    expect(svg.match(/<g /g)?.length).toBe(svg.match(/<\/g>/g)?.length);
  });

  it('says what was not measured', () => {
    const svg = benchChart({ date: results.date, machine: { ...machine, loadAverageAtStart: [] }, events: results.events });
    expect(svg.match(/not measured in this run/g)).toHaveLength(3);
    expect(svg).not.toContain('load average');
  });

  it('escapes text for XML', () => {
    expect(escapeXml('a < b & "c" > d')).toBe('a &lt; b &amp; &quot;c&quot; &gt; d');
  });
});
