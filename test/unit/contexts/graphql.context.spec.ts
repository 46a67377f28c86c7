import type { ExecutionContext } from '@nestjs/common';
import { graphqlContext, graphqlRequest } from '../../../lib/contexts/graphql.context.js';
import { InvalidRateLimitConfigError } from '../../../lib/errors/invalid-rate-limit-config.error.js';

const request = (name: string) => ({ name, headers: {}, method: 'POST', url: '/graphql' });
const resolverCall = (gqlContext: unknown) =>
  ({
    getType: () => 'graphql',
    getArgByIndex: (index: number) => [{}, {}, gqlContext, {}][index],
  }) as unknown as ExecutionContext;

describe('GraphQL context kind', () => {
  it('finds the HTTP request where each driver puts it', () => {
    expect(graphqlRequest({ req: request('apollo') }).name).toBe('apollo');
    expect(graphqlRequest({ request: request('fastify') }).name).toBe('fastify');
    expect(graphqlRequest({ reply: { request: request('mercurius') } }).name).toBe('mercurius');
    expect(graphqlRequest({ extra: { request: request('graphql-ws') } }).name).toBe('graphql-ws');
    // Apollo's default context for a graphql-ws subscription: `req` is graphql-ws's own context
    expect(graphqlRequest({ req: { connectionParams: {}, extra: { request: request('upgrade') } } }).name).toBe(
      'upgrade',
    );
  });

  it('fails with a configuration error naming the context option when there is no request', () => {
    for (const gqlContext of [undefined, {}, { req: 'not a request' }]) {
      expect(() => graphqlContext.request(resolverCall(gqlContext))).toThrow(InvalidRateLimitConfigError);
    }
    expect(() => graphqlContext.request(resolverCall({}))).toThrow(/context: \(\{ req, res \}\) => \(\{ req, res \}\)/);
  });

  it('reports every limit of the response, one per policy with the least left, and the longest Retry-After', () => {
    const headers: Record<string, unknown> = {};
    const res = { setHeader: (name: string, value: unknown) => (headers[name] = value) };
    const call = resolverCall({ req: request('r'), res });
    const minute = (remaining: number) => ({ name: 'minute', limit: 10, window: 60, remaining, reset: 60 });
    graphqlContext.writeHeaders(call, 'draft', [minute(5)]);
    graphqlContext.writeHeaders(call, 'draft', [
      minute(3),
      { name: 'hour', limit: 100, window: 3600, remaining: 99, reset: 3600 },
    ]);
    graphqlContext.writeHeaders(call, 'draft', [minute(7)], 30);
    graphqlContext.writeHeaders(call, 'draft', [], 10);
    expect(headers).toEqual({
      'RateLimit-Policy': '"minute";q=10;w=60, "hour";q=100;w=3600',
      RateLimit: '"minute";r=3;t=60, "hour";r=99;t=3600',
      'Retry-After': 30,
    });
  });

  it("writes the first resolver's limits with the plan's cached policy, merged limits with their own", () => {
    const headers: Record<string, unknown> = {};
    const res = { setHeader: (name: string, value: unknown) => (headers[name] = value) };
    const call = resolverCall({ req: request('r'), res });
    const minute = { name: 'minute', limit: 10, window: 60, remaining: 9, reset: 60 };
    const cached = { policy: '"minute";q=10;w=60 (cached)', prefixes: ['"minute";r='] };
    graphqlContext.writeHeaders(call, 'draft', [minute], undefined, cached);
    expect(headers).toEqual({ 'RateLimit-Policy': cached.policy, RateLimit: '"minute";r=9;t=60' });
    const hour = { name: 'hour', limit: 100, window: 3600, remaining: 99, reset: 3600 };
    graphqlContext.writeHeaders(call, 'draft', [hour], undefined, { policy: 'not of the merged limits', prefixes: [] });
    expect(headers['RateLimit-Policy']).toBe('"minute";q=10;w=60, "hour";q=100;w=3600');
  });

  it('is a GraphQL-shaped error, never an HttpException that drivers would turn into INTERNAL_SERVER_ERROR', () => {
    const error = graphqlContext.rejection(7) as Error & { extensions: unknown };
    expect(error.message).toBe('Too Many Requests');
    expect(error.extensions).toEqual({ code: 'TOO_MANY_REQUESTS', retryAfter: 7 });
    expect('status' in error).toBe(false);
  });
});
