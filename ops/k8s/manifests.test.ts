import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SERVICE_NAMES } from '@shop/platform';
import { parseAllDocuments } from 'yaml';
import { GENERATED_FILE, generatedYaml } from './generate';
import { SERVICE_CALLS, workloads } from './manifests';

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: any };

const K8S = __dirname;
const BASE = join(K8S, 'base');
const DEV = join(K8S, 'overlays', 'dev');
const APP_LABEL = 'app.kubernetes.io/name';

const readYaml = (file: string): any[] => parseAllDocuments(readFileSync(file, 'utf8')).map((document) => document.toJS());
const kustomization = (folder: string) => readYaml(join(folder, 'kustomization.yaml'))[0];
const baseManifests = (): Manifest[] => kustomization(BASE).resources.flatMap((file: string) => readYaml(join(BASE, file)));
function named(kind: string, name: string): Manifest {
  const manifest = baseManifests().find((m) => m.kind === kind && m.metadata.name === name);
  if (!manifest) throw new Error(`no ${kind} named ${name} in the base`);
  return manifest;
}
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('the Kubernetes manifests', () => {
  it('include the generated part as the code would write it now (run `npm run k8s:generate`)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(generatedYaml());
  });

  it('are well-formed: every document has an apiVersion, a kind and a name, and every listed file exists', () => {
    for (const folder of [BASE, DEV]) {
      for (const resource of kustomization(folder).resources) expect(existsSync(join(folder, resource))).toBe(true);
    }
    for (const manifest of baseManifests()) {
      expect(manifest).toEqual(expect.objectContaining({ apiVersion: expect.any(String), kind: expect.any(String) }));
      expect(manifest.metadata.name).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it('run a Deployment for every service and the gateway, with probes, resource limits and a matching Service', () => {
    const deployments = baseManifests().filter((m) => m.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...workloads()].sort());
    for (const deployment of deployments) {
      const { selector, template } = deployment.spec;
      expect(matches(selector.matchLabels, template.metadata.labels)).toBe(true);
      const [container] = template.spec.containers;
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      for (const kind of ['requests', 'limits']) expect(Object.keys(container.resources[kind]).sort()).toEqual(['cpu', 'memory']);
      const service = named('Service', deployment.metadata.name);
      expect(matches(service.spec.selector, template.metadata.labels)).toBe(true);
      const portNames = container.ports.map((port: { name: string }) => port.name);
      for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
    }
  });

  it('give every stateful part probes, limits and its governing Service; RabbitMQ as three nodes with quorum queues', () => {
    const statefulSets = baseManifests().filter((m) => m.kind === 'StatefulSet');
    expect(statefulSets.map((s) => s.metadata.name).sort()).toEqual(['postgres', 'rabbitmq']);
    for (const set of statefulSets) {
      expect(matches(set.spec.selector.matchLabels, set.spec.template.metadata.labels)).toBe(true);
      expect(named('Service', set.spec.serviceName).kind).toBe('Service');
      const [container] = set.spec.template.spec.containers;
      expect(container.readinessProbe).toBeDefined();
      expect(container.livenessProbe).toBeDefined();
      expect(container.resources.limits).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    }
    expect(named('StatefulSet', 'rabbitmq').spec.replicas).toBe(3);
    expect(named('ConfigMap', 'rabbitmq-config').data['rabbitmq.conf']).toMatch(/^default_queue_type = quorum$/m);
  });

  it('create a database for every subgraph, in Kubernetes as in docker-compose', () => {
    const expected = SERVICE_NAMES.map((name) => `CREATE DATABASE ${name}_db;`);
    const k8sSql = named('ConfigMap', 'postgres-init').data['10-databases.sql'];
    const composeSql = readFileSync(join(K8S, '..', 'docker', 'postgres-init.sql'), 'utf8');
    for (const statement of expected) {
      expect(k8sSql).toContain(statement);
      expect(composeSql).toContain(statement);
    }
  });

  it('take every secret key they use from the dev overlay', () => {
    const literals: string[] = kustomization(DEV).secretGenerator[0].literals;
    const provided = new Set(literals.map((literal) => literal.split('=', 1)[0]));
    const used = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        const { secretKeyRef } = value as { secretKeyRef?: { name: string; key: string } };
        if (secretKeyRef?.name === 'shop-secrets') used.add(secretKeyRef.key);
        Object.values(value).forEach(collect);
      }
    };
    collect(baseManifests());
    expect([...used].filter((key) => !provided.has(key))).toEqual([]);
  });

  it('let exactly the paths of INTERFACES.md through: the gateway to every subgraph, cart to product and inventory, checkout to cart', () => {
    const policies = baseManifests().filter((m) => m.kind === 'NetworkPolicy');
    const allowed = new Set<string>();
    for (const target of workloads()) {
      for (const source of workloads()) {
        const admitted = policies.some(
          (policy) =>
            policy.spec.podSelector.matchLabels?.[APP_LABEL] === target &&
            policy.spec.ingress.some(
              (rule: { from?: { podSelector?: { matchLabels?: Record<string, string> } }[] }) =>
                rule.from === undefined || rule.from.some((peer) => peer.podSelector?.matchLabels?.[APP_LABEL] === source),
            ),
        );
        if (admitted && source !== target) allowed.add(`${source}->${target}`);
      }
    }
    const expected = new Set<string>();
    for (const target of SERVICE_NAMES) expected.add(`gateway->${target}`);
    for (const [caller, callees] of Object.entries(SERVICE_CALLS)) for (const callee of callees) expected.add(`${caller}->${callee}`);
    // The gateway takes client traffic from anywhere; every other service only from its callers.
    for (const source of workloads()) if (source !== 'gateway') expected.add(`${source}->gateway`);
    expect([...allowed].sort()).toEqual([...expected].sort());
  });

  it('put a NetworkPolicy on every pod of the system', () => {
    const policies = baseManifests().filter((m) => m.kind === 'NetworkPolicy');
    const protectedPods: string[] = [...workloads(), 'postgres', 'rabbitmq'];
    for (const name of protectedPods) {
      expect(policies.some((policy) => policy.spec.podSelector.matchLabels?.[APP_LABEL] === name)).toBe(true);
    }
  });
});

describe('the generated manifests', () => {
  it('cover every workload folder the code has', () => {
    const subgraphFolders = readdirSync(join(K8S, '..', '..', 'subgraphs')).filter((name) =>
      existsSync(join(K8S, '..', '..', 'subgraphs', name, 'src', 'main.ts')),
    );
    expect(subgraphFolders.every((name) => (workloads() as string[]).includes(name))).toBe(true);
    expect(dirname(GENERATED_FILE)).toBe(BASE);
  });
});
