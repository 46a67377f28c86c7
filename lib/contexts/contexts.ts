import type { ExecutionContext } from '@nestjs/common';
import { EmptyInformation } from '../errors/empty-information.error.js';
import type { ContextKind } from './context-kind.interface.js';
import { graphqlContext } from './graphql.context.js';
import { httpContext } from './http.context.js';
import { rpcContext } from './rpc.context.js';
import { wsContext } from './ws.context.js';

/** Every context kind rate limiting handles, by Nest's name of it. */
const CONTEXT_KINDS: ReadonlyMap<string, ContextKind> = new Map(
  [httpContext, graphqlContext, wsContext, rpcContext].map((kind) => [kind.type, kind]),
);

/** The kind of `context`, or `undefined` for one rate limiting does not handle. */
export function contextKindOf(context: ExecutionContext): ContextKind | undefined {
  return CONTEXT_KINDS.get(context.getType());
}

/**
 * The request of `context` that auth providers read (see `ContextKind.request`): the HTTP request,
 * the one carrying a GraphQL operation, a WebSocket's handshake. A call without one (RPC) throws
 * `EmptyInformation`, so the next provider of the auth list is tried.
 */
export function requestOf(context: ExecutionContext): any {
  const request = contextKindOf(context)?.request(context);
  if (request === undefined) {
    throw new EmptyInformation(
      `A ${context.getType()} call has no request to read: identify its callers with an auth provider ` +
        `that reads the call itself (e.g. context.switchToRpc().getData())`,
    );
  }
  return request;
}
