import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS_SECONDS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Operation names come from clients: past this many distinct ones (or this length), the rest share
// one label so a client inventing names cannot grow the metrics without bound.
const MAX_OPERATION_NAMES = 200;
const MAX_OPERATION_NAME_LENGTH = 100;
const OTHER_OPERATIONS = '(other)';
const ANONYMOUS_OPERATION = '(anonymous)';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'operation_name' | 'operation_type' | 'outcome'>;
  requestDuration: Histogram<'operation_name' | 'operation_type' | 'outcome'>;
  refusedTokens: Counter<never>;
  subgraphRequestDuration: Histogram<'subgraph' | 'outcome'>;
  sharedSubgraphFetches: Counter<'subgraph'>;
  coalescedRequests: Counter<never>;
  openSubscriptions: Gauge<'field'>;
  subscriptionMessages: Counter<'field'>;
  subscriptionHistoryReads: Counter<'reason'>;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'gateway_requests_total',
      help: 'GraphQL requests answered, by operation name, operation type and outcome (ok, or error when the answer has errors)',
      labelNames: ['operation_name', 'operation_type', 'outcome'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time to answer a GraphQL request, by operation name, operation type and outcome',
      labelNames: ['operation_name', 'operation_type', 'outcome'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    refusedTokens: new Counter({
      name: 'gateway_refused_tokens_total',
      help: 'Requests refused with 401 for an invalid, expired or malformed bearer token',
      registers,
    }),
    subgraphRequestDuration: new Histogram({
      name: 'gateway_subgraph_request_duration_seconds',
      help: 'Time of one subgraph fetch, by subgraph and outcome (ok, http_error, unreachable)',
      labelNames: ['subgraph', 'outcome'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    sharedSubgraphFetches: new Counter({
      name: 'gateway_subgraph_fetches_shared_total',
      help: 'Subgraph fetches answered by an identical fetch already in flight',
      labelNames: ['subgraph'],
      registers,
    }),
    coalescedRequests: new Counter({
      name: 'gateway_requests_coalesced_total',
      help: 'Client queries answered with the answer of an identical query in flight (same caller, same body); not counted in gateway_requests_total',
      registers,
    }),
    openSubscriptions: new Gauge({
      name: 'gateway_subscriptions_open',
      help: 'GraphQL subscriptions open over graphql-ws, by root field',
      labelNames: ['field'],
      registers,
    }),
    subscriptionMessages: new Counter({
      name: 'gateway_subscription_messages_total',
      help: 'Messages delivered to subscribers, by root field',
      labelNames: ['field'],
      registers,
    }),
    subscriptionHistoryReads: new Counter({
      name: 'gateway_subscription_history_reads_total',
      help: 'Checkout and order histories read to fill missed transitions, by reason (gap: a sequence did not arrive in time; reconnect: the broker connection was lost)',
      labelNames: ['reason'],
      registers,
    }),
  };
}

/** Counts and times every GraphQL request by operation name. */
export function requestMetricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin {
  const knownNames = new Set<string>();
  const label = (operationName: string | undefined | null): string => {
    if (!operationName) return ANONYMOUS_OPERATION;
    if (knownNames.has(operationName)) return operationName;
    if (knownNames.size >= MAX_OPERATION_NAMES || operationName.length > MAX_OPERATION_NAME_LENGTH) return OTHER_OPERATIONS;
    knownNames.add(operationName);
    return operationName;
  };
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        async willSendResponse({ operationName, operation, response }) {
          const failed = response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0;
          const labels = {
            operation_name: label(operationName),
            operation_type: operation?.operation ?? 'none',
            outcome: failed ? 'error' : 'ok',
          };
          metrics.requests.inc(labels);
          metrics.requestDuration.observe(labels, (performance.now() - startedAt) / 1000);
        },
      };
    },
  };
}
