import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { waitFor } from '@shop/events/src/testing';
import { metricValue, scrape } from '@shop/events/src/testing/prometheus';
import { startTestTracing } from '@shop/events/src/testing/tracing';
import type { Identity } from '@shop/platform';
import { type Shop, startShop } from '../world/shop';

// The whole system as an operator sees it: one trace and one correlation id from a GraphQL
// mutation at the gateway, through the subgraph and the message it publishes, to the consumer;
// readiness naming each check; the saga's and the gateway's metrics.

const admin: Identity = { sub: 'observe-admin', role: 'admin' };

describe('observing the system', () => {
  let shop: Shop;
  let tracing: Awaited<ReturnType<typeof startTestTracing>>;

  beforeAll(async () => {
    tracing = await startTestTracing();
    shop = await startShop({ label: 'observe' });
  }, 120_000);

  afterAll(async () => {
    await shop?.close();
    await tracing?.stop();
  });

  const metricsOf = (graphqlUrl: string) => scrape(graphqlUrl.replace(/\/graphql$/, '/metrics'));

  it('carries one trace and the client correlation id from a mutation to the consumer of its event', async () => {
    const sku = `OBS-${randomUUID().slice(0, 8)}`;
    const response = await fetch(shop.gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await shop.token(admin)}`,
        'x-correlation-id': 'client-req-42',
      },
      body: JSON.stringify({
        query: `mutation CreateProduct { createProduct(input: { sku: "${sku}", name: "Traced", price: "5.00" }) { sku } }`,
      }),
    });
    expect(await response.json()).toEqual({ data: { createProduct: { sku } } });
    expect(response.headers.get('x-correlation-id')).toBe('client-req-42');

    const consumed = await waitFor(
      () =>
        tracing
          .spans()
          .find(
            (span) => span.name === 'consume ProductCreated' && span.attributes['messaging.destination.name'] === 'inventory-service-queue',
          ),
      { what: 'the inventory consumer span', timeoutMs: 20_000 },
    );
    const traceId = consumed?.spanContext().traceId;
    expect(traceId).toBeDefined();
    const names = tracing
      .spans()
      .filter((span) => span.spanContext().traceId === traceId)
      .map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'graphql gateway',
        'subgraph fetch product',
        'graphql product-service',
        'publish ProductCreated',
        'consume ProductCreated',
      ]),
    );

    const db = new Client({ connectionString: shop.databases.product.url });
    await db.connect();
    try {
      const { rows } = await db.query(
        `select payload->>'correlationId' as "correlationId" from outbox where payload->'data'->>'sku' = $1`,
        [sku],
      );
      expect(rows).toEqual([{ correlationId: 'client-req-42' }]);
    } finally {
      await db.end();
    }
  });

  it('answers readiness with each check named, on every service and the gateway', async () => {
    const inventory = await fetch(shop.urls.inventory.replace(/\/graphql$/, '/health/ready'));
    expect(inventory.status).toBe(200);
    expect(await inventory.json()).toEqual({
      status: 'ready',
      checks: { database: true, broker: true, migrations: true, consumers: true },
    });
    const health = await fetch(shop.urls.inventory.replace(/\/graphql$/, '/health'));
    expect(health.status).toBe(200);
    const live = await fetch(shop.urls.inventory.replace(/\/graphql$/, '/health/live'));
    expect(await live.json()).toEqual({ status: 'ok' });
    const gateway = await fetch(shop.gateway.url.replace(/\/graphql$/, '/health/ready'));
    expect(gateway.status).toBe(200);
    expect(await gateway.json()).toMatchObject({ status: 'ready', checks: { supergraph: true, broker: true } });
  });

  it("exports the saga's states and timeouts, the queues, and the gateway's latency by operation", async () => {
    const checkout = await metricsOf(shop.urls.checkout);
    for (const state of ['RESERVING_STOCK', 'PROCESSING_PAYMENT', 'CREATING_ORDER', 'COMPLETED', 'FAILED']) {
      expect(metricValue(checkout, 'checkout_sagas', { state })).toBe(0);
    }
    expect(metricValue(checkout, 'checkout_saga_timeouts_total')).toBe(0);
    expect(metricValue(checkout, 'messaging_consumer_attached', { queue: 'checkout-service-queue' })).toBe(1);
    expect(metricValue(checkout, 'messaging_queue_depth', { queue: 'checkout-service-queue' })).toBeGreaterThanOrEqual(0);
    expect(metricValue(checkout, 'messaging_dead_letter_queue_depth', { queue: 'checkout-service-queue.dlq' })).toBe(0);
    expect(metricValue(checkout, 'messaging_outbox_backlog')).toBeGreaterThanOrEqual(0);

    const gateway = await scrape(shop.gateway.url.replace(/\/graphql$/, '/metrics'));
    expect(metricValue(gateway, 'gateway_request_duration_seconds_count', { operation_name: 'CreateProduct' })).toBe(1);
  });
});
