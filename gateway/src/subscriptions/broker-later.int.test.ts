import net from 'node:net';
import { waitFor } from '@shop/events/src/testing';
import { admin, customer } from '@shop/platform/src/testing';
import type { GatewayHandles } from '../gateway';
import { SubscriptionTestStack, Watched, ask, connectClient } from './testing';

// A gateway that starts while RabbitMQ cannot be reached: its AMQP_URL points at a TCP port of the
// test's own, which drops every connection until the test switches it on and then forwards to the
// shared broker (which is never stopped).

const WATCH_STATUS = `subscription ($id: ID!) { checkoutStatusChanged(checkoutId: $id) { id status } }`;

/** A TCP port that refuses AMQP connections until `switchOn`, then forwards them to the real broker. */
class BrokerSwitch {
  private on = false;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((client) => {
    this.track(client);
    if (!this.on) {
      client.destroy();
      return;
    }
    const broker = this.track(net.connect(5672, '127.0.0.1'));
    client.pipe(broker).pipe(client);
    client.on('error', () => broker.destroy());
    broker.on('error', () => client.destroy());
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `amqp://guest:guest@127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  switchOn(): void {
    this.on = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  }
}

describe('a gateway started before the broker is reachable', () => {
  let stack: SubscriptionTestStack;
  let brokerSwitch: BrokerSwitch;
  let gateway: GatewayHandles;

  beforeAll(async () => {
    stack = await SubscriptionTestStack.start('gwb');
    brokerSwitch = new BrokerSwitch();
    const amqpUrl = await brokerSwitch.listen();
    gateway = await stack.startGateway({ gapTimeoutMs: 1_000 }, { config: { amqpUrl } });
  });

  afterAll(async () => {
    await stack?.stop();
    await brokerSwitch?.close();
  });

  const readiness = async () => {
    const response = await fetch(gateway.url.replace('/graphql', '/health/ready'));
    return { status: response.status, body: await response.json() };
  };

  it('answers queries and mutations, is not ready, takes subscriptions, and once the broker is up serves them all without a restart', async () => {
    expect(await readiness()).toEqual({ status: 503, body: { status: 'not ready', checks: { supergraph: true, broker: false } } });
    const sku = await stack.createProduct(gateway, 'Compass');
    expect(await ask(gateway, admin, `{ product(sku: "${sku}") { name } }`)).toEqual({ data: { product: { name: 'Compass' } } });

    // A subscription taken while the broker is down gets the current state, and whatever happens meanwhile later.
    const identity = customer(`c-late-broker-${Date.now().toString(36)}`);
    const checkout = await stack.createCheckout(identity.sub);
    const { client } = await connectClient(gateway, identity);
    const watched = new Watched(client, WATCH_STATUS, { id: checkout.id });
    await watched.waitForMessages(1, 'the current state');
    await stack.publishStatus(await stack.moveCheckout(checkout, 'PROCESSING_PAYMENT')); // the gateway has no queue yet
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(watched.values('checkoutStatusChanged').map((c) => c.status)).toEqual(['RESERVING_STOCK']);
    expect(gateway.subscriptions.isConnected()).toBe(false);

    brokerSwitch.switchOn();
    await waitFor(async () => (await readiness()).status === 200, { what: 'the gateway to reach the broker', timeoutMs: 15_000 });
    expect((await readiness()).body).toEqual({ status: 'ready', checks: { supergraph: true, broker: true } });
    await watched.waitForMessages(2, 'the transition missed while the broker was down');

    // Live events reach it through the queue declared once the broker came up.
    await stack.publishStatus(await stack.moveCheckout(checkout, 'FAILED', 'declined'));
    await watched.ended;
    expect(watched.completed).toBe(true);
    expect(watched.values('checkoutStatusChanged').map((c) => c.status)).toEqual(['RESERVING_STOCK', 'PROCESSING_PAYMENT', 'FAILED']);
    client.dispose();
  });
});
