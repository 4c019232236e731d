import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PORTS, SERVICE_NAMES } from '@shop/platform';
import { parse } from 'yaml';

// The alert rules, the dashboard and the compose profile that runs them, checked against the code:
// a rule or a panel on a metric nobody exports would stay silent forever.

const ROOT = join(__dirname, '..', '..');
const SOURCE_FOLDERS = ['events/src', 'platform/src', 'gateway/src', ...SERVICE_NAMES.map((name) => `subgraphs/${name}/src`)];
const OUR_METRIC = /\b(?:messaging|checkout|gateway)_[a-z_]+\b/g;
const HISTOGRAM_SERIES = /_(?:bucket|sum|count)$/;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every metric name the code registers with prom-client (`name: '...'`). */
function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  for (const file of SOURCE_FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/name: '([a-z_]+)'/g)) names.add(match[1]);
  }
  return names;
}

const metricsIn = (expression: string): string[] =>
  [...expression.matchAll(OUR_METRIC)].map(([name]) => (exportedMetrics().has(name) ? name : name.replace(HISTOGRAM_SERIES, '')));

const alertRules = (): { alert: string; expr: string; labels: { severity: string } }[] =>
  parse(readFileSync(join(__dirname, 'alerts.yml'), 'utf8')).groups.flatMap((group: { rules: unknown[] }) => group.rules);

const compose = () => parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));

const dashboard = (): { panels: { datasource: { uid: string }; targets: { expr: string }[] }[] } =>
  JSON.parse(readFileSync(join(__dirname, '..', 'grafana', 'dashboards', 'shop.json'), 'utf8'));

/** Every PromQL expression of the alert rules and the dashboard's panels. */
const allExpressions = (): string[] => [
  ...alertRules().map((rule) => rule.expr),
  ...dashboard().panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
];

/** Readings every instance of a service takes of the same database or queue: two instances report the same value. */
const SHARED_READINGS = [
  'checkout_sagas',
  'messaging_queue_depth',
  'messaging_dead_letter_queue_depth',
  'messaging_dead_letter_store_unresolved',
  'messaging_outbox_backlog',
  'messaging_outbox_oldest_unsent_age_seconds',
];

describe('the alert rules and the dashboard', () => {
  it('never add up a reading that every instance takes of the same store: two instances would show it twice', () => {
    const summed = (expression: string) =>
      SHARED_READINGS.some((metric) => new RegExp(`sum\\s*(?:by\\s*\\([^)]*\\)\\s*)?\\(\\s*${metric}\\b`).test(expression));
    expect(allExpressions().filter(summed)).toEqual([]);
    expect(summed('sum by (state) (checkout_sagas)')).toBe(true);
  });

  it('add up the saga timeouts of every checkout instance: each counts the sagas its own worker failed', () => {
    const timeouts = allExpressions().filter((expression) => expression.includes('checkout_saga_timeouts_total'));
    expect(timeouts.length).toBeGreaterThan(1);
    for (const expression of timeouts) expect(expression).toMatch(/^sum\(increase\(checkout_saga_timeouts_total/);
  });
});

describe('the alert rules', () => {
  it('watch only metrics the code exports', () => {
    const exported = exportedMetrics();
    for (const rule of alertRules()) {
      for (const metric of metricsIn(rule.expr))
        expect({ rule: rule.alert, metric, exported: exported.has(metric) }).toEqual({ rule: rule.alert, metric, exported: true });
    }
  });

  it("cover the record's alerts: dead letters (warn, then page over 100), consumer down, outbox backlog, saga timeouts", () => {
    const byName = new Map(alertRules().map((rule) => [rule.alert, rule]));
    expect(byName.get('DeadLetterQueueNotEmpty')).toMatchObject({ expr: expect.stringContaining('> 0'), labels: { severity: 'warning' } });
    expect(byName.get('DeadLetterQueueOver100')).toMatchObject({ expr: expect.stringContaining('> 100'), labels: { severity: 'page' } });
    expect(byName.get('ConsumerDown')?.expr).toContain('messaging_consumer_attached');
    expect(byName.get('OutboxBacklogGrowing')?.expr).toContain('messaging_outbox_backlog');
    expect(byName.get('SagaTimeoutsRising')?.expr).toContain('checkout_saga_timeouts_total');
    for (const rule of alertRules()) expect(['warning', 'page']).toContain(rule.labels.severity);
  });
});

describe('the Grafana dashboard', () => {
  it('draws only metrics the code exports, through the provisioned data source', () => {
    const datasource = parse(readFileSync(join(__dirname, '..', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'));
    const exported = exportedMetrics();
    const drawn = new Set<string>();
    for (const panel of dashboard().panels) {
      expect(panel.datasource.uid).toBe(datasource.datasources[0].uid);
      for (const target of panel.targets) for (const metric of metricsIn(target.expr)) drawn.add(metric);
    }
    expect([...drawn].filter((metric) => !exported.has(metric))).toEqual([]);
    for (const essential of [
      'messaging_processing_seconds',
      'messaging_dead_letter_queue_depth',
      'messaging_outbox_backlog',
      'checkout_sagas',
    ]) {
      expect(drawn).toContain(essential);
    }
  });
});

describe("docker-compose's monitoring profile", () => {
  it('runs Prometheus with the rules and Grafana with the dashboard, only when asked for', () => {
    const { services } = compose();
    expect(services.prometheus.profiles).toEqual(['monitoring']);
    expect(services.grafana.profiles).toEqual(['monitoring']);
    expect(services.prometheus.volumes.join(' ')).toContain('alerts.yml');
    expect(services.grafana.volumes.join(' ')).toContain('dashboards');
  });

  it('scrapes the gateway and every service at its port', () => {
    const config = parse(readFileSync(join(__dirname, 'prometheus.yml'), 'utf8'));
    const targets: string[] = config.scrape_configs.find((job: { job_name: string }) => job.job_name === 'shop').static_configs[0].targets;
    const expected = Object.entries(PORTS).map(([name, port]) => `${name}:${port}`);
    expect([...targets].sort()).toEqual(expected.sort());
    const composeServices = Object.keys(compose().services);
    for (const target of targets) expect(composeServices).toContain(target.split(':')[0]);
  });
});
