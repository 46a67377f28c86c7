import type { ExecutionContext } from '@nestjs/common';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { andThen } from '../utils/maybe-promise.js';
import { authFailureMessage } from './auth-failure.js';
import { asBearerHeader } from './bearer-token.js';
import type { ContextKind } from './context-kind.interface.js';
import { optionalPeer } from './optional-peer.js';

const websockets = optionalPeer('@nestjs/websockets', () => import('@nestjs/websockets'));

/** Upgrade requests by their TCP socket: a `ws` client keeps the socket (`_socket`), not the request. */
const upgradeRequests = new WeakMap<Socket, IncomingMessage>();
/** Request views of connected clients, built once per connection. */
const views = new WeakMap<object, any>();
const listening = new WeakSet<Server>();

/**
 * Remembers the upgrade request of every WebSocket connection made through `server` (the app's
 * HTTP server), so that auth providers of `ws` gateways on it see the handshake's headers. The
 * listener runs before the gateways' own; it only records the request.
 */
export function rememberUpgradeRequests(server: Server): void {
  if (listening.has(server) || typeof server?.prependListener !== 'function') return;
  listening.add(server);
  server.prependListener('upgrade', (request: IncomingMessage, socket: Socket) => {
    upgradeRequests.set(socket, request);
  });
}

/**
 * What auth providers read of a WebSocket client, as a request: for socket.io, the handshake
 * request with the connection's peer address (`handshake.address`) and, when the handshake has no
 * `Authorization` header, `handshake.auth.token` as one; for `ws`, the upgrade request (see
 * `rememberUpgradeRequests`), else only the peer socket.
 */
export function handshakeRequest(client: any): any {
  let view = views.get(client);
  if (view !== undefined) return view;
  const handshake = client?.handshake;
  if (handshake !== undefined) {
    const token = handshake.headers?.authorization === undefined ? asBearerHeader(handshake.auth?.token) : undefined;
    view = Object.create(client.request ?? null, {
      headers: {
        value: token === undefined ? (handshake.headers ?? {}) : { ...handshake.headers, authorization: token },
      },
      socket: { value: { remoteAddress: handshake.address } },
      method: { value: 'GET' },
    });
  } else {
    const socket: Socket | undefined = client?._socket;
    view = (socket && upgradeRequests.get(socket)) ?? { headers: {}, socket, method: 'GET' };
    if (socket !== undefined && !upgradeRequests.has(socket)) return view; // may be remembered later
  }
  views.set(client, view);
  return view;
}

/**
 * WebSocket gateways (@nestjs/websockets, socket.io and ws adapters): one hit per message; config
 * patterns do not apply (messages have no path); rules are selected as for method `'*'`. A rejection
 * is `WsException({ status: 'error', message: 'Too Many Requests', retryAfter })`, which Nest's
 * default filter emits to the client as the `exception` event.
 */
export const wsContext: ContextKind = {
  type: 'ws',
  patterns: 'none',

  request(context: ExecutionContext) {
    return handshakeRequest(context.switchToWs().getClient());
  },

  method() {
    return '*';
  },

  writeHeaders() {
    // a message has no response to carry headers
  },

  rejection(retryAfter) {
    return andThen(
      websockets(),
      ({ WsException }) => new WsException({ status: 'error', message: 'Too Many Requests', retryAfter }),
    );
  },

  authFailure(error) {
    return andThen(websockets(), ({ WsException }) =>
      error instanceof WsException ? error : new WsException({ status: 'error', message: authFailureMessage(error) }),
    );
  },
};

/**
 * An `ExecutionContext` of type `'ws'` for a client that is connecting (Nest guards messages, not
 * connections), as auth providers see it from `RateLimitService.limitConnection`: `switchToWs()`
 * gives the client, no data, and the pattern `'connection'`.
 */
export function wsConnectionContext(client: object, gateway: Function = Object): ExecutionContext {
  const args = [client, undefined];
  const handler = function connection() {};
  const ws = { getClient: () => client, getData: () => undefined, getPattern: () => 'connection' };
  const none = { getRequest: () => undefined, getResponse: () => undefined, getNext: () => undefined };
  const rpc = { getData: () => undefined, getContext: () => undefined };
  return {
    getType: () => 'ws',
    getArgs: () => args,
    getArgByIndex: (index: number) => args[index],
    getClass: () => gateway,
    getHandler: () => handler,
    switchToWs: () => ws,
    switchToHttp: () => none,
    switchToRpc: () => rpc,
  } as unknown as ExecutionContext;
}
