// Subscribers of bench:subscriptions: one graphql-ws connection each, as separate apps would
// open, each watching its customer's checkout. Each message after the first (the current state)
// is a transition whose `updatedAt` is the moment the bench published its event, so its latency
// is taken here, on arrival.
import { signClientToken } from '@shop/gateway/src/auth';
import { loadConfig } from '@shop/platform';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { serveAsChild } from '../gateway/child';

export interface Subscriber {
  customerId: string;
  checkoutId: string;
}

export type ClientRequest = { subscribe: Subscriber[]; wsUrl: string } | { results: true };
export interface SubscribeAnswer {
  subscribed: number;
  failures: string[];
}
export interface ResultsAnswer {
  /** One per transition received, publication to arrival. */
  latenciesMs: number[];
}

const WATCH = 'subscription ($id: ID!) { checkoutStatusChanged(checkoutId: $id) { id status updatedAt } }';
const CONNECTING_AT_ONCE = 50;
const FIRST_MESSAGE_TIMEOUT_MS = 120_000;

const clients: Client[] = [];
const latenciesMs: number[] = [];

/** Connects and subscribes; resolves once the current state arrived, or rejects with why not. */
async function subscribe(wsUrl: string, { customerId, checkoutId }: Subscriber): Promise<void> {
  const token = await signClientToken(loadConfig('gateway').jwt, { sub: customerId, role: 'customer' }, 3_600);
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
  });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    let first = true;
    const timer = setTimeout(() => reject(new Error(`no first message for checkout ${checkoutId}`)), FIRST_MESSAGE_TIMEOUT_MS);
    client.subscribe<{ checkoutStatusChanged: { status: string; updatedAt: string } }>(
      { query: WATCH, variables: { id: checkoutId } },
      {
        next: ({ data, errors }) => {
          if (errors) return reject(new Error(errors[0].message));
          if (first) {
            first = false;
            clearTimeout(timer);
            return resolve();
          }
          latenciesMs.push(Date.now() - Date.parse(data!.checkoutStatusChanged.updatedAt));
        },
        error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => undefined,
      },
    );
  });
}

async function subscribeAll(wsUrl: string, subscribers: Subscriber[]): Promise<SubscribeAnswer> {
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTING_AT_ONCE }, async () => {
      while (next < subscribers.length) {
        await subscribe(wsUrl, subscribers[next++]).catch((err: Error) => failures.push(err.message));
      }
    }),
  );
  return { subscribed: subscribers.length - failures.length, failures: failures.slice(0, 5) };
}

process.on('message', (request: ClientRequest | 'stop') => {
  if (typeof request !== 'object') return;
  if ('subscribe' in request) void subscribeAll(request.wsUrl, request.subscribe).then((answer) => process.send!(answer));
  if ('results' in request) process.send!({ latenciesMs } satisfies ResultsAnswer);
});
serveAsChild(process.pid, async () => {
  await Promise.all(clients.map((client) => client.dispose()));
});
