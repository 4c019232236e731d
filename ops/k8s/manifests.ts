import { PORTS, SERVICE_NAMES, type ServiceName } from '@shop/platform';

// The application's Kubernetes objects, derived from the services the code knows, so that a new
// subgraph gets its Deployment, Service and network policy without anyone copying YAML.
// `npm run k8s:generate` writes them to ops/k8s/base/services.yaml; a test checks the file is current.

export type Workload = ServiceName | 'gateway';
type Manifest = Record<string, unknown>;

/** The internal HTTP paths INTERFACES.md allows (besides the gateway reaching every subgraph). */
export const SERVICE_CALLS: Partial<Record<ServiceName, ServiceName[]>> = {
  cart: ['product', 'inventory'],
  checkout: ['cart'],
};

export const IMAGE = 'shop-federation';
const APP_LABEL = 'app.kubernetes.io/name';
const PART_OF = { 'app.kubernetes.io/part-of': 'shop' };

export const workloads = (): Workload[] => [...SERVICE_NAMES, 'gateway'];
const portOf = (workload: Workload): number => PORTS[workload];
const labelsOf = (workload: Workload) => ({ [APP_LABEL]: workload, ...PART_OF });

/** Who may open a connection to this workload's HTTP port. */
export function callersOf(workload: Workload): Workload[] {
  if (workload === 'gateway') return [];
  const callers: Workload[] = ['gateway'];
  for (const [caller, callees] of Object.entries(SERVICE_CALLS)) {
    if (callees.includes(workload)) callers.push(caller as ServiceName);
  }
  return callers;
}

function environmentOf(workload: Workload): Manifest[] {
  const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: 'shop-secrets', key } } });
  const env: Manifest[] = [
    { name: 'NODE_ENV', value: 'production' },
    fromSecret('JWT_SECRET', 'jwt-secret'),
    fromSecret('INTERNAL_SIGNING_KEY', 'internal-signing-key'),
    fromSecret('RABBITMQ_USER', 'rabbitmq-user'),
    fromSecret('RABBITMQ_PASSWORD', 'rabbitmq-password'),
    { name: 'AMQP_URL', value: 'amqp://$(RABBITMQ_USER):$(RABBITMQ_PASSWORD)@rabbitmq:5672' },
  ];
  if (workload === 'gateway') {
    env.push({ name: 'GATEWAY_SUPERGRAPH_FILE', value: 'gateway/supergraph.graphql' });
  } else {
    env.push(fromSecret('POSTGRES_USER', 'postgres-user'), fromSecret('POSTGRES_PASSWORD', 'postgres-password'), {
      name: 'DATABASE_URL',
      value: `postgres://$(POSTGRES_USER):$(POSTGRES_PASSWORD)@postgres:5432/${workload}_db`,
    });
  }
  return env;
}

function deploymentOf(workload: Workload): Manifest {
  const port = portOf(workload);
  const probe = (path: string, periodSeconds: number) => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold: 3,
  });
  const command =
    workload === 'gateway'
      ? ['sh', '-c', 'npm run compose && exec npx tsx gateway/src/main.ts']
      : ['npx', 'tsx', `subgraphs/${workload}/src/main.ts`];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: workload, labels: labelsOf(workload) },
    spec: {
      replicas: 2,
      selector: { matchLabels: { [APP_LABEL]: workload } },
      template: {
        metadata: {
          labels: labelsOf(workload),
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' },
        },
        spec: {
          // Graceful shutdown finishes the handlers in flight and flushes the outbox within this.
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
          containers: [
            {
              name: workload,
              image: IMAGE,
              command,
              ports: [{ name: 'http', containerPort: port }],
              env: [{ name: 'PORT', value: String(port) }, ...environmentOf(workload)],
              envFrom: [{ configMapRef: { name: 'shop-service-urls' } }],
              startupProbe: { httpGet: { path: '/health/live', port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
              livenessProbe: probe('/health/live', 10),
              readinessProbe: probe('/health/ready', 5),
              resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

function serviceOf(workload: Workload): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: workload, labels: labelsOf(workload) },
    spec: { selector: { [APP_LABEL]: workload }, ports: [{ name: 'http', port: portOf(workload), targetPort: 'http' }] },
  };
}

/** HTTP into a workload: from its callers, and from Prometheus for /metrics; the gateway from anywhere. */
function networkPolicyOf(workload: Workload): Manifest {
  const fromPods = (name: string) => ({ podSelector: { matchLabels: { [APP_LABEL]: name } } });
  const fromPrometheus = { namespaceSelector: {}, podSelector: { matchLabels: { [APP_LABEL]: 'prometheus' } } };
  const from = workload === 'gateway' ? [] : [...callersOf(workload).map(fromPods), fromPrometheus];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${workload}-ingress`, labels: labelsOf(workload) },
    spec: {
      podSelector: { matchLabels: { [APP_LABEL]: workload } },
      policyTypes: ['Ingress'],
      ingress: [{ ...(from.length > 0 ? { from } : {}), ports: [{ protocol: 'TCP', port: portOf(workload) }] }],
    },
  };
}

function serviceUrlsConfigMap(): Manifest {
  const data = Object.fromEntries(SERVICE_NAMES.map((name) => [`${name.toUpperCase()}_URL`, `http://${name}:${PORTS[name]}/graphql`]));
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-service-urls', labels: PART_OF }, data };
}

/** Every application object, in a stable order. */
export function applicationManifests(): Manifest[] {
  const perWorkload = workloads().flatMap((workload) => [deploymentOf(workload), serviceOf(workload), networkPolicyOf(workload)]);
  return [serviceUrlsConfigMap(), ...perWorkload];
}

/** The databases PostgreSQL creates at first start: one per subgraph. */
export const databaseNames = (): string[] => SERVICE_NAMES.map((name) => `${name}_db`);
