import {
  CloseCode,
  type ConnectionInitMessage,
  DEPRECATED_GRAPHQL_WS_PROTOCOL,
  type ServerOptions,
  handleProtocols,
  makeServer,
} from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

/** What each connection's context carries besides its parameters: its socket. */
export interface Extra {
  readonly socket: WebSocket;
}

/** How often each socket is pinged, and how long its pong may take before the socket is dropped (as use/ws). */
const KEEP_ALIVE_MS = 12_000;
// A WebSocket close reason is at most 123 bytes.
const MAX_CLOSE_REASON = 123;

/**
 * graphql-ws served on a ws server: graphql-ws's own `use/ws` binding, which it offers to be
 * adjusted, holding less for each of tens of thousands of open sockets (measured with
 * bench:subscriptions). use/ws keeps each message's frame until the message is handled, which for a
 * subscription is when the subscription ends, and with the frame the whole read buffer it is a view
 * of; here the frame is read into text and let go. use/ws also keeps the upgrade request in every
 * connection's context, unused here. Otherwise it behaves as use/ws, console messages included:
 * each socket is pinged every 12 s (`keepAliveMs`) and dropped when its pong does not come in
 * time; an error closes the socket with 4500.
 */
export function serveGraphqlWs<P extends ConnectionInitMessage['payload']>(
  options: ServerOptions<P, Extra> & { isProd: boolean; keepAliveMs?: number },
  wsServer: WebSocketServer,
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  const keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  const closeWithError = (socket: WebSocket, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    socket.close(CloseCode.InternalServerError, options.isProd || message.length > MAX_CLOSE_REASON ? 'Internal server error' : message);
  };
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.once('error', (err) => {
    console.error('Internal error emitted on the WebSocket server. Please check your implementation.', err);
    for (const socket of wsServer.clients) closeWithError(socket, err);
  });

  wsServer.on('connection', (socket) => {
    socket.once('error', (err) => {
      console.error('Internal error emitted on a WebSocket socket. Please check your implementation.', err);
      closeWithError(socket, err);
    });
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.once('pong', () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, keepAliveMs);
    const closed = server.opened(
      // Methods, not arrow properties: tsx gives every arrow property of each object a name property
      // of its own, a few hundred bytes per socket.
      {
        protocol: socket.protocol,
        send(data) {
          return new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          });
        },
        close(code, reason) {
          socket.close(code, reason);
        },
        onMessage(handle) {
          socket.on('message', (frame) => {
            handle(String(frame)).catch((err: unknown) => {
              console.error('Internal error occurred during message handling. Please check your implementation.', err);
              closeWithError(socket, err);
            });
          });
        },
      },
      { socket },
    );
    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      clearInterval(pingInterval);
      if (!options.isProd && code === CloseCode.SubprotocolNotAcceptable && socket.protocol === DEPRECATED_GRAPHQL_WS_PROTOCOL) {
        console.warn(`Client provided the unsupported and deprecated subprotocol "${socket.protocol}" used by subscriptions-transport-ws.`);
      }
      void closed(code, String(reason));
    });
  });

  return {
    dispose: async () => {
      for (const socket of wsServer.clients) socket.close(1001, 'Going away');
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) => wsServer.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
