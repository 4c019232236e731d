import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCheckoutService } from '@shop/checkout';
import { Checkout } from '@shop/checkout/src/entities/checkout.entity';
import { CheckoutTransition } from '@shop/checkout/src/entities/checkout-transition.entity';
import { CheckoutStatusChanged, CreateOrder, type Envelope, type MessageContract, Outbox } from '@shop/events';
import { deliver, waitFor } from '@shop/events/src/testing';
import type { Identity } from '@shop/platform';
import { type TestSubgraph, admin, startTestSubgraph } from '@shop/platform/src/testing';
import { startOrderService } from '@shop/order';
import { startProductService } from '@shop/product';
import type { GraphQLFormattedError } from 'graphql';
import { type Client, type FormattedExecutionResult, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signClientToken } from '../auth';
import { type GatewayHandles, type GatewayOptions, startGateway } from '../gateway';
import { composeSupergraph } from '../supergraph';

// Test support for the subscription suites: the real product, checkout and order subgraphs on
// their own databases and one queue prefix, gateways in process, graphql-ws clients, and a way to
// move checkouts as the saga would (rows through the checkout service's ORM, events published as
// checkout-service) without running the saga.

const REPO_ROOT = join(__dirname, '..', '..', '..');
const schemaOf = (name: string) => readFileSync(join(REPO_ROOT, 'subgraphs', name, 'schema.graphql'), 'utf8');

export type CheckoutStatus = 'RESERVING_STOCK' | 'PROCESSING_PAYMENT' | 'CREATING_ORDER' | 'COMPLETED' | 'FAILED';

export interface TestCheckout {
  id: string;
  orderId: string;
  customerId: string;
  sku: string;
}

export class SubscriptionTestStack {
  private readonly gateways: GatewayHandles[] = [];
  private readonly outbox = new Outbox('checkout-service');

  private constructor(
    readonly product: TestSubgraph,
    readonly checkout: TestSubgraph,
    readonly order: TestSubgraph,
    private readonly supergraphFolder: string,
  ) {}

  static async start(label: string): Promise<SubscriptionTestStack> {
    const product = await startTestSubgraph(`${label}_product`, startProductService);
    const options = { prefix: product.prefix };
    const checkout = await startTestSubgraph(`${label}_checkout`, startCheckoutService, options);
    const order = await startTestSubgraph(`${label}_order`, startOrderService, options);
    const composition = composeSupergraph(
      [product, checkout, order].map(({ service }) => ({ name: service.name, url: service.url, sdl: schemaOf(service.name) })),
    );
    if ('errors' in composition) throw new Error(composition.errors.join('\n'));
    const folder = mkdtempSync(join(tmpdir(), 'gateway-subscriptions-'));
    writeFileSync(join(folder, 'supergraph.graphql'), composition.supergraphSdl);
    return new SubscriptionTestStack(product, checkout, order, folder);
  }

  get prefix(): string {
    return this.product.prefix;
  }

  /** A gateway on the stack's supergraph and queue prefix (and this environment); stopped with the stack. */
  async startGateway(
    subscriptions: GatewayOptions['subscriptions'] = {},
    options: Pick<GatewayOptions, 'env' | 'config'> = {},
  ): Promise<GatewayHandles> {
    const gateway = await startGateway({
      env: options.env,
      config: { port: 0, queuePrefix: this.prefix, ...options.config },
      supergraphFile: join(this.supergraphFolder, 'supergraph.graphql'),
      subscriptions,
    });
    this.gateways.push(gateway);
    return gateway;
  }

  async stop(): Promise<void> {
    for (const gateway of this.gateways) await gateway.stop();
    await this.order?.stop();
    await this.checkout?.stop();
    await this.product?.stop(); // also deletes the shared queue prefix
    rmSync(this.supergraphFolder, { recursive: true, force: true });
  }

  /** A product through the gateway, so that checkout lines resolve to it. */
  async createProduct(gateway: GatewayHandles, name: string): Promise<string> {
    const sku = `SUB-${randomUUID().slice(0, 8)}`;
    const answer = await ask(gateway, admin, `mutation ($input: CreateProductInput!) { createProduct(input: $input) { sku } }`, {
      input: { sku, name, price: '10.00', currency: 'GBP' },
    });
    if (answer.errors) throw new Error(JSON.stringify(answer.errors));
    return sku;
  }

  /** A checkout in RESERVING_STOCK (sequence 1), written as the saga writes one. */
  async createCheckout(customerId: string, sku = 'SUB-NONE'): Promise<TestCheckout> {
    const checkout: TestCheckout = { id: randomUUID(), orderId: randomUUID(), customerId, sku };
    const em = this.checkout.service.orm.em.fork();
    em.create(Checkout, {
      id: checkout.id,
      orderId: checkout.orderId,
      customerId,
      email: null,
      idempotencyKey: null,
      status: 'RESERVING_STOCK',
      failureReason: null,
      lines: [{ sku, quantity: 2, unitPrice: '10.00' }],
      total: '20.00',
      currency: 'GBP',
      paymentToken: 'tok_visa',
      paymentRef: null,
      refundRequested: false,
      orderCancelled: false,
      // No deadline: the saga's timeout worker leaves the checkout alone.
      deadlineAt: null,
      sequence: 1,
      version: 1,
    });
    em.create(CheckoutTransition, { checkoutId: checkout.id, sequence: 1, status: 'RESERVING_STOCK', at: new Date() });
    await em.flush();
    return checkout;
  }

  /** Moves a checkout to its next status as the saga does (row and history), and returns its event, unpublished. */
  async moveCheckout(checkout: TestCheckout, status: CheckoutStatus, failureReason: string | null = null): Promise<Envelope> {
    const em = this.checkout.service.orm.em.fork();
    const row = await em.findOneOrFail(Checkout, { id: checkout.id });
    const previousStatus = row.status;
    const at = new Date();
    row.status = status;
    row.failureReason = failureReason;
    row.sequence += 1;
    row.version += 1;
    em.create(CheckoutTransition, { checkoutId: checkout.id, sequence: row.sequence, status, at });
    await em.flush();
    const data = {
      checkoutId: checkout.id,
      orderId: checkout.orderId,
      customerId: checkout.customerId,
      status,
      previousStatus,
      failureReason,
      at: at.toISOString(),
    };
    return this.outbox.envelope(CheckoutStatusChanged, data, { sequence: row.sequence, correlationId: checkout.id });
  }

  /** Publishes CheckoutStatusChanged envelopes as checkout-service, in the order given. */
  async publishStatus(...envelopes: Envelope[]): Promise<void> {
    await this.publish(CheckoutStatusChanged, envelopes);
  }

  /** Has the order service create the checkout's order (PAID) as the saga would, and waits until it exists. */
  async createOrder(gateway: GatewayHandles, checkout: TestCheckout): Promise<void> {
    const data = {
      orderId: checkout.orderId,
      checkoutId: checkout.id,
      customerId: checkout.customerId,
      email: null,
      lines: [{ sku: checkout.sku, quantity: 2, unitPrice: '10.00' }],
      total: '20.00',
      currency: 'GBP',
      paymentRef: `pay-${checkout.id.slice(0, 8)}`,
    };
    await this.publish(CreateOrder, [
      this.outbox.envelope(CreateOrder, data, { sequence: 1, correlationId: checkout.id, notAfter: new Date(Date.now() + 60_000) }),
    ]);
    await waitFor(async () => (await ask(gateway, admin, `{ order(id: "${checkout.orderId}") { id } }`)).data?.order, {
      what: `order ${checkout.orderId}`,
    });
  }

  private async publish(contract: MessageContract, envelopes: Envelope[]): Promise<void> {
    await deliver(this.checkout.service.transport, contract, ...envelopes);
  }
}

export const tokenFor = (gateway: GatewayHandles, identity: Identity, ttlSeconds = 600, now = Date.now()) =>
  signClientToken(gateway.config.jwt, identity, ttlSeconds, now);

export const wsUrl = (gateway: GatewayHandles) => gateway.url.replace(/^http/, 'ws');

type Answer = { data?: Record<string, any> | null; errors?: GraphQLFormattedError[] };

/** A query or mutation over HTTP, as this identity. */
export async function ask(
  gateway: GatewayHandles,
  identity: Identity,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Answer> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(gateway, identity)}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Answer;
}

/** A graphql-ws client that connects at once and stays connected; `connections` counts its sockets. */
export async function connectClient(
  gateway: GatewayHandles,
  identity: Identity | null,
): Promise<{ client: Client; connections: () => number }> {
  const token = identity ? await tokenFor(gateway, identity) : null;
  let connections = 0;
  const client = createClient({
    url: wsUrl(gateway),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    lazy: false,
    retryAttempts: 0,
    on: { connected: () => connections++ },
  });
  return { client, connections: () => connections };
}

/** One subscription's messages, and how it ended: completed, or an error (GraphQL errors or a close event). */
export class Watched {
  readonly messages: FormattedExecutionResult<Record<string, any>, unknown>[] = [];
  completed = false;
  error: unknown;
  readonly ended: Promise<void>;
  readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    let unsubscribe = () => undefined as void;
    this.ended = new Promise((resolve) => {
      unsubscribe = client.subscribe<Record<string, any>>(
        { query, variables },
        {
          next: (message) => this.messages.push(message),
          error: (error) => {
            this.error = error;
            resolve();
          },
          complete: () => {
            this.completed = true;
            resolve();
          },
        },
      );
    });
    this.unsubscribe = unsubscribe;
  }

  /** The value of `field` in each message so far. */
  values<T = Record<string, any>>(field: string): T[] {
    return this.messages.map((message) => message.data?.[field] as T);
  }

  async waitForMessages(count: number, what = `${count} message(s)`): Promise<void> {
    await waitFor(() => this.messages.length >= count, { what, timeoutMs: 15_000 });
  }

  /** The GraphQL errors it ended with. */
  get graphqlErrors(): GraphQLFormattedError[] {
    return Array.isArray(this.error) ? (this.error as GraphQLFormattedError[]) : [];
  }
}

/** A bare graphql-transport-ws socket: resolves with how the server closed it. */
export function rawSocket(gateway: GatewayHandles, onOpen: (socket: WebSocket) => void): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(gateway), 'graphql-transport-ws');
    socket.on('open', () => onOpen(socket));
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    socket.on('error', reject);
  });
}

/** Closes one broker connection by the name its client gave it, as an operator or a network failure would. */
export async function closeBrokerConnection(connectionName: string): Promise<void> {
  const run = promisify(execFile);
  const { stdout } = await run('rabbitmqctl', ['-q', '--no-table-headers', 'list_connections', 'pid', 'client_properties']);
  const line = stdout.split('\n').find((l) => l.includes(`{"connection_name","${connectionName}"}`));
  if (!line) throw new Error(`no broker connection named ${connectionName}`);
  await run('rabbitmqctl', ['close_connection', line.split('\t')[0], 'test: the gateway loses its broker connection']);
}
