import {
  CloseCode,
  type ConnectionInitMessage,
  DEPRECATED_GRAPHQL_WS_PROTOCOL,
  type ServerOptions,
  handleProtocols,
  makeServer,
} from 'graphql-ws';
import type { Logger } from '@shop/events';
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
 * connection's context, unused here. Otherwise it behaves as use/ws: each socket is pinged every
 * 12 s (`keepAliveMs`) and dropped when its pong does not come in time; an error closes the socket
 * with 4500. What use/ws prints on the console goes to the logger instead, and a client breaking
 * the WebSocket protocol (a frame over maxPayload, say) is the client's fault, logged as a warning.
 */
export function serveGraphqlWs<P extends ConnectionInitMessage['payload']>(
  options: ServerOptions<P, Extra> & { isProd: boolean; logger: Logger; keepAliveMs?: number },
  wsServer: WebSocketServer,
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  const { logger } = options;
  const keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  const closeWithError = (socket: WebSocket, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    socket.close(CloseCode.InternalServerError, options.isProd || message.length > MAX_CLOSE_REASON ? 'Internal server error' : message);
  };
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.once('error', (err) => {
    logger.error({ err: err.message }, 'the WebSocket server failed; closing every socket');
    for (const socket of wsServer.clients) closeWithError(socket, err);
  });

  wsServer.on('connection', (socket) => {
    socket.once('error', (err: Error & { code?: string }) => {
      // ws has already closed the socket with the status the protocol gives (1009 for a frame too large).
      if (err.code?.startsWith('WS_ERR_')) logger.warn({ code: err.code, err: err.message }, 'a WebSocket client broke the protocol');
      else logger.error({ err: err.message }, 'a WebSocket socket failed');
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
              logger.error({ err: err instanceof Error ? err.message : String(err) }, 'a graphql-ws message could not be handled');
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
        logger.warn(`a client asked for the unsupported, deprecated subprotocol "${socket.protocol}" of subscriptions-transport-ws`);
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
