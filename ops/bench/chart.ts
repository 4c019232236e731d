// Draws the benchmark results as one SVG (no chart library): a panel per benchmark, horizontal
// bars with the measured value printed beside each, and the target as a dashed line where the
// project set one.

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  /** Empty when the results come from several runs. */
  loadAverageAtStart: number[];
}

export interface BenchResults {
  date: string;
  machine: Machine;
  events?: { events_per_s: number; events_per_s_unbatched: number; p50_ms: number; p95_ms: number };
  gateway?: {
    queries: Record<string, { ours_rps: number; apollo_rps: number; hive_rps: number; ours_p95_ms: number }>;
    direct_rps: number;
  };
  checkout?: { checkouts_per_s: number; p50_ms: number; p95_ms: number; completed: number; failed: number };
  subscriptions?: { subscribers: number; p50_ms: number; p95_ms: number; delivered: number; expected: number; kb_per_subscription: number };
}

interface Bar {
  label: string;
  value: number;
  color: string;
}

interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
  target?: { value: number; label: string };
  note: string;
}

const WIDTH = 1000;
const PANEL_WIDTH = 480;
const PANEL_HEIGHT = 250;
const LABEL_WIDTH = 150;
const BAR_AREA = PANEL_WIDTH - LABEL_WIDTH - 90;
const OURS = '#2b6cb0';
const OTHER = '#a0aec0';
const SECOND = '#63b3ed';

export const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const figure = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-GB') : n.toFixed(1));

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x}" y="${y}" ${attributes}>${escapeXml(content)}</text>`;
}

function drawPanel(panel: Panel | undefined, title: string, x: number, y: number): string {
  const parts = [`<g transform="translate(${x},${y})">`, text(0, 0, title, 'font-size="15" font-weight="bold"')];
  if (!panel || panel.bars.length === 0) {
    parts.push(text(0, 40, 'not measured in this run', 'fill="#718096"'), '</g>');
    return parts.join('');
  }
  parts.push(text(0, 18, panel.title, 'font-size="12" fill="#4a5568"'));
  const scaleMax = Math.max(...panel.bars.map((b) => b.value), panel.target?.value ?? 0) || 1;
  const scale = (value: number) => (value / scaleMax) * BAR_AREA;
  const rowHeight = Math.min(30, (PANEL_HEIGHT - 80) / panel.bars.length);
  panel.bars.forEach((bar, i) => {
    const top = 34 + i * rowHeight;
    parts.push(
      text(LABEL_WIDTH - 8, top + rowHeight * 0.6, bar.label, 'text-anchor="end" font-size="12"'),
      `<rect x="${LABEL_WIDTH}" y="${top + 3}" width="${Math.max(1, scale(bar.value)).toFixed(1)}" height="${(rowHeight - 6).toFixed(1)}" fill="${bar.color}"/>`,
      text(LABEL_WIDTH + scale(bar.value) + 6, top + rowHeight * 0.6, `${figure(bar.value)} ${panel.unit}`, 'font-size="12"'),
    );
  });
  const bottom = 34 + panel.bars.length * rowHeight;
  if (panel.target) {
    const tx = LABEL_WIDTH + scale(panel.target.value);
    parts.push(
      `<line x1="${tx.toFixed(1)}" y1="28" x2="${tx.toFixed(1)}" y2="${bottom + 4}" stroke="#c53030" stroke-dasharray="4 3"/>`,
      text(tx, bottom + 18, panel.target.label, 'text-anchor="middle" font-size="11" fill="#c53030"'),
    );
  }
  parts.push(text(0, bottom + 40, panel.note, 'font-size="12" fill="#4a5568"'), '</g>');
  return parts.join('');
}

function gatewayPanel(gateway: BenchResults['gateway']): Panel | undefined {
  if (!gateway) return undefined;
  const bars = Object.entries(gateway.queries).flatMap(([query, q]) => [
    { label: `${query}: ours`, value: q.ours_rps, color: OURS },
    { label: `${query}: Hive`, value: q.hive_rps, color: SECOND },
    { label: `${query}: Apollo`, value: q.apollo_rps, color: OTHER },
  ]);
  const p95 = Object.entries(gateway.queries).map(([query, q]) => `${query} ${figure(q.ours_p95_ms)} ms`);
  return { title: 'requests/s, 32 closed-loop clients', unit: 'req/s', bars, note: `ours p95: ${p95.join(', ')}` };
}

function eventsPanel(events: BenchResults['events']): Panel | undefined {
  if (!events) return undefined;
  return {
    title: 'outbox -> relay -> RabbitMQ -> consumer inbox',
    unit: 'events/s',
    bars: [
      { label: 'adaptive batching', value: events.events_per_s, color: OURS },
      { label: 'one per transaction', value: events.events_per_s_unbatched, color: OTHER },
    ],
    target: { value: 5_000, label: 'target 5,000/s' },
    note: `latency at 1,000 events/s: p50 ${figure(events.p50_ms)} ms, p95 ${figure(events.p95_ms)} ms (target p95 25 ms)`,
  };
}

function checkoutPanel(checkout: BenchResults['checkout']): Panel | undefined {
  if (!checkout) return undefined;
  return {
    title: 'completed checkouts/s at saturation, every service its own process',
    unit: '/s',
    bars: [{ label: 'checkouts', value: checkout.checkouts_per_s, color: OURS }],
    target: { value: 150, label: 'target 150/s' },
    note: `at 50/s: p50 ${figure(checkout.p50_ms / 1000)} s, p95 ${figure(checkout.p95_ms / 1000)} s; ${checkout.completed} completed, ${checkout.failed} failed`,
  };
}

function subscriptionsPanel(subscriptions: BenchResults['subscriptions']): Panel | undefined {
  if (!subscriptions) return undefined;
  return {
    title: `${figure(subscriptions.subscribers)} open graphql-ws subscriptions, publication to client`,
    unit: 'ms',
    bars: [
      { label: 'p50', value: subscriptions.p50_ms, color: SECOND },
      { label: 'p95', value: subscriptions.p95_ms, color: OURS },
    ],
    target: { value: 100, label: 'target p95 100 ms' },
    note: `delivered ${figure(subscriptions.delivered)} of ${figure(subscriptions.expected)}; ${figure(subscriptions.kb_per_subscription)} KB per subscription (target 20)`,
  };
}

export function benchChart(results: BenchResults): string {
  const { machine } = results;
  const height = 2 * (PANEL_HEIGHT + 40) + 70;
  const column = (i: number) => 20 + i * (PANEL_WIDTH + 20);
  const row = (i: number) => 60 + i * (PANEL_HEIGHT + 40);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(20, 28, 'shop-federation benchmarks, as measured', 'font-size="18" font-weight="bold"'),
    text(
      20,
      46,
      `${results.date.slice(0, 10)}: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GB, Node ${machine.node}` +
        (machine.loadAverageAtStart.length > 0
          ? `, load average at start ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`
          : ''),
      'font-size="12" fill="#4a5568"',
    ),
    drawPanel(gatewayPanel(results.gateway), 'Gateway (bench:gateway)', column(0), row(0)),
    drawPanel(eventsPanel(results.events), 'Messaging (bench:events)', column(1), row(0)),
    drawPanel(checkoutPanel(results.checkout), 'Checkout (bench:checkout)', column(0), row(1)),
    drawPanel(subscriptionsPanel(results.subscriptions), 'Subscriptions (bench:subscriptions)', column(1), row(1)),
    '</svg>',
    '',
  ].join('\n');
}
