import type { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { httpContext } from '../../../lib/contexts/http.context.js';

describe('HTTP context kind', () => {
  const request = { method: 'GET', url: '/', headers: {} };

  it("reads Nest's [req, res, next] arguments, as switchToHttp() gives them", () => {
    const headers: Record<string, unknown> = {};
    const response = { setHeader: (name: string, value: unknown) => (headers[name] = value) };
    const context = new ExecutionContextHost([request, response, () => undefined]);
    expect(httpContext.request(context)).toBe(context.switchToHttp().getRequest());
    httpContext.writeHeaders(context, 'legacy', [{ name: 'minute', limit: 5, window: 60, remaining: 4, reset: 60 }], 3);
    expect(headers).toEqual({
      'X-RateLimit-Limit': 5,
      'X-RateLimit-Remaining': 4,
      'X-RateLimit-Reset': 60,
      'Retry-After': 3,
    });
  });

  it('goes through switchToHttp() for a hand-made context without getArgByIndex', () => {
    const headers: Record<string, unknown> = {};
    const response = { header: (name: string, value: unknown) => (headers[name] = value) };
    const context = {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
    } as unknown as ExecutionContext;
    expect(httpContext.request(context)).toBe(request);
    httpContext.writeHeaders(context, 'both', [{ name: 'minute', limit: 5, window: 60, remaining: 4, reset: 60 }], 2);
    // a Fastify reply (`header`, no `setHeader`) gets the lower-case names it would make of them
    expect(headers).toEqual({
      'ratelimit-policy': '"minute";q=5;w=60',
      ratelimit: '"minute";r=4;t=60',
      'x-ratelimit-limit': 5,
      'x-ratelimit-remaining': 4,
      'x-ratelimit-reset': 60,
      'retry-after': 2,
    });
  });
});
