import { HttpException, type ExecutionContext } from '@nestjs/common';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import { RateLimitGraphQLError } from '../errors/rate-limit-graphql.error.js';
import {
  writeRateLimitHeaders,
  type DraftPolicy,
  type HeadersMode,
  type LimitInfo,
} from '../headers/rate-limit-headers.js';
import { authFailureMessage } from './auth-failure.js';
import { asBearerHeader, withAuthorization } from './bearer-token.js';
import type { ContextKind } from './context-kind.interface.js';
import { setHeader } from './http.context.js';

/** A request object: Node's IncomingMessage, Express's request or Fastify's. */
const isRequest = (value: any): boolean => typeof value?.headers === 'object' && value.headers !== null;

const subscriptionViews = new WeakMap<object, any>();

/**
 * The upgrade request of a graphql-ws connection (`extra.request`), with
 * `connectionParams.authorization` as its Authorization header when it has none; one view per
 * connection.
 */
function subscriptionRequest(connection: any): any {
  let view = subscriptionViews.get(connection);
  if (view === undefined) {
    const params = connection.connectionParams;
    const token = asBearerHeader(params?.authorization ?? params?.Authorization);
    subscriptionViews.set(connection, (view = withAuthorization(connection.extra.request, token)));
  }
  return view;
}

/**
 * The HTTP request inside a GraphQL context (`getArgs()[2]`): `req` (Apollo and Mercurius as Nest
 * sets them up), `request` (Apollo on Fastify, Mercurius subscriptions), `reply.request` (Mercurius),
 * or the upgrade request of a graphql-ws subscription (`extra.request`, which Apollo's default
 * context puts under `req`).
 */
export function graphqlRequest(gqlContext: any): any {
  if (gqlContext === null || typeof gqlContext !== 'object') return undefined;
  const { req } = gqlContext;
  if (isRequest(req)) return req;
  if (isRequest(req?.extra?.request)) return subscriptionRequest(req);
  if (isRequest(gqlContext.request)) return gqlContext.request;
  if (isRequest(gqlContext.reply?.request)) return gqlContext.reply.request;
  if (isRequest(gqlContext.extra?.request)) return subscriptionRequest(gqlContext);
  return undefined;
}

/** The HTTP response of a GraphQL context that can still take headers: `res`, `reply`, or Express's `req.res`. */
function graphqlResponse(gqlContext: any): any {
  const response = gqlContext?.res ?? gqlContext?.reply ?? graphqlRequest(gqlContext)?.res;
  if (typeof response?.setHeader !== 'function' && typeof response?.header !== 'function') return undefined;
  return response.headersSent || response.sent || response.raw?.headersSent ? undefined : response;
}

const NO_REQUEST =
  'Rate limiting found no HTTP request in the GraphQL context. Pass it on with the driver\'s "context" option: ' +
  'Apollo on Express `context: ({ req, res }) => ({ req, res })`, Apollo on Fastify ' +
  '`context: (request, reply) => ({ request, reply })`, Mercurius `context: (request, reply) => ({ request, reply })`; ' +
  'for graphql-ws subscriptions keep `extra` (`context: ({ req, res, extra }) => ({ req, res, extra })`).';

/**
 * Where a response keeps the limits its headers report so far (several resolvers may be limited in
 * one request) and its `Retry-After`: symbol properties, cheaper than a WeakMap entry per request.
 */
const LIMITS = Symbol('nestjs-ratelimit: limits written');
const RETRY_AFTER = Symbol('nestjs-ratelimit: Retry-After written');

/**
 * `limits` added to what earlier resolvers of the same response reported: one entry per policy
 * (name, limit, window), the one with the least quota left.
 */
function mergeLimits(previous: readonly LimitInfo[], limits: readonly LimitInfo[]): LimitInfo[] {
  const merged = previous.slice();
  for (const limit of limits) {
    const same = merged.findIndex(
      (known) => known.name === limit.name && known.limit === limit.limit && known.window === limit.window,
    );
    if (same === -1) merged.push(limit);
    else if (limit.remaining < merged[same].remaining) merged[same] = limit;
  }
  return merged;
}

/**
 * GraphQL resolvers (@nestjs/graphql: Apollo on Express or Fastify, Mercurius). Config patterns match
 * the path of the HTTP request carrying the operation and count once per HTTP request; rules are
 * selected by its HTTP method. A rejection is a GraphQL error `Too Many Requests` with
 * `extensions: { code: 'TOO_MANY_REQUESTS', retryAfter }`; the HTTP response, where there is one,
 * gets `Retry-After` and the rate-limit headers of every limited resolver of the request.
 */
export const graphqlContext: ContextKind = {
  type: 'graphql',
  patterns: 'once-per-request',

  request(context: ExecutionContext) {
    const request = graphqlRequest(context.getArgByIndex(2));
    if (request === undefined) throw new InvalidRateLimitConfigError(NO_REQUEST);
    return request;
  },

  method(_context, request) {
    return typeof request.method === 'string' ? request.method : '*'; // Node's and Fastify's are upper case
  },

  writeHeaders(context, mode: HeadersMode, limits: readonly LimitInfo[], retryAfter?: number, policy?: DraftPolicy) {
    if (limits.length === 0 && retryAfter === undefined) return;
    const response = graphqlResponse(context.getArgByIndex(2));
    if (response === undefined) return;
    const previous: readonly LimitInfo[] | undefined = response[LIMITS];
    if (previous === undefined) {
      response[LIMITS] = limits; // never changed in place
      writeRateLimitHeaders(response, setHeader, mode, limits, policy);
    } else {
      const all = mergeLimits(previous, limits);
      response[LIMITS] = all;
      writeRateLimitHeaders(response, setHeader, mode, all); // the policy of the merged limits
    }
    if (retryAfter !== undefined && !(retryAfter <= (response[RETRY_AFTER] ?? 0))) {
      response[RETRY_AFTER] = retryAfter;
      setHeader(response, 'Retry-After', retryAfter);
    }
  },

  rejection(retryAfter) {
    return new RateLimitGraphQLError('Too Many Requests', { code: 'TOO_MANY_REQUESTS', retryAfter });
  },

  authFailure(error) {
    // An HttpException of the app's own provider passes: Nest's drivers map 401/403 to their codes.
    if (error instanceof HttpException || error instanceof RateLimitGraphQLError) return error;
    return new RateLimitGraphQLError(authFailureMessage(error), { code: 'UNAUTHENTICATED' });
  },
};
