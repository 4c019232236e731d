import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@shop/events';
import { buildSchema } from 'graphql';
import { createClient } from 'graphql-ws';
import { WebSocket, WebSocketServer } from 'ws';
import { serveGraphqlWs } from './graphql-ws-server';

const schema = buildSchema('type Query { ok: Boolean } type Subscription { greeting: String }');
const KEEP_ALIVE_MS = 50;

/** What the server logged, by level. */
function recordingLogger() {
  const lines: { level: 'warn' | 'error'; fields: unknown; message?: string }[] = [];
  const record =
    (level: 'warn' | 'error') =>
    (fields: unknown, message?: string) =>
      lines.push({ level, fields, message });
  return { lines, logger: { warn: record('warn'), error: record('error') } as unknown as Logger };
}

/** A graphql-ws server on a loopback port whose one subscription says hello once, with these options. */
async function serve(options: { isProd?: boolean; onConnect?: () => void; maxPayload?: number } = {}) {
  const server = http.createServer();
  const wsServer = new WebSocketServer({ server, path: '/graphql', maxPayload: options.maxPayload });
  const { lines, logger } = recordingLogger();
  const graphqlWs = serveGraphqlWs(
    {
      schema,
      logger,
      isProd: options.isProd ?? false,
      keepAliveMs: KEEP_ALIVE_MS,
      onConnect: options.onConnect,
      subscribe: async function* greetings() {
        yield { data: { greeting: 'hello' } };
      },
    },
    wsServer,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const stop = async () => {
    await graphqlWs.dispose();
    await new Promise((resolve) => server.close(resolve));
  };
  return { url, wsServer, stop, logged: lines };
}

/** Opens a raw socket speaking graphql-transport-ws, sends connection_init, and resolves with how it closed. */
function closeOf(
  url: string,
  options: { autoPong?: boolean } = {},
): { socket: WebSocket; closed: Promise<{ code: number; reason: string }> } {
  const socket = new WebSocket(url, 'graphql-transport-ws', options);
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return { socket, closed };
}

describe('serveGraphqlWs', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('serves a subscription to a graphql-ws client, then completes it', async () => {
    const served = await serve();
    stop = served.stop;
    const client = createClient({ url: served.url, webSocketImpl: WebSocket, retryAttempts: 0 });
    const messages: unknown[] = [];
    await new Promise<void>((resolve, reject) =>
      client.subscribe({ query: 'subscription { greeting }' }, { next: (m) => messages.push(m), error: reject, complete: resolve }),
    );
    await client.dispose();
    expect(messages).toEqual([{ data: { greeting: 'hello' } }]);
  });

  it('drops a socket that does not answer its pings, and keeps one that does', async () => {
    const served = await serve();
    stop = served.stop;
    const silent = closeOf(served.url, { autoPong: false });
    const answering = closeOf(served.url);
    // Terminated without a close frame: the client sees 1006.
    expect((await silent.closed).code).toBe(1006);
    await new Promise((resolve) => setTimeout(resolve, 4 * KEEP_ALIVE_MS));
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    answering.socket.close();
    await answering.closed;
  });

  it('closes the socket with 4500 when a hook fails, telling why only outside production mode', async () => {
    const failing = () => {
      throw new Error('the hook failed');
    };
    const development = await serve({ onConnect: failing });
    stop = development.stop;
    expect(await closeOf(development.url).closed).toEqual({ code: 4500, reason: 'the hook failed' });
    await development.stop();
    const production = await serve({ onConnect: failing, isProd: true });
    stop = production.stop;
    expect(await closeOf(production.url).closed).toEqual({ code: 4500, reason: 'Internal server error' });
    expect(production.logged).toEqual([
      { level: 'error', fields: { err: 'the hook failed' }, message: 'a graphql-ws message could not be handled' },
    ]);
  });

  it('closes a socket sending a frame over maxPayload with 1009, and logs it as the client\'s fault', async () => {
    const served = await serve({ maxPayload: 1024 });
    stop = served.stop;
    const { socket, closed } = closeOf(served.url);
    socket.on('open', () => socket.send('x'.repeat(2048)));
    expect((await closed).code).toBe(1009);
    expect(served.logged).toEqual([
      {
        level: 'warn',
        fields: { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', err: 'Max payload size exceeded' },
        message: 'a WebSocket client broke the protocol',
      },
    ]);
  });

  it('closes every socket with 1001 when disposed', async () => {
    const served = await serve();
    const open = closeOf(served.url);
    await new Promise((resolve) => open.socket.on('message', resolve));
    await served.stop();
    expect(await open.closed).toEqual({ code: 1001, reason: 'Going away' });
    expect(served.wsServer.clients.size).toBe(0);
  });
});
