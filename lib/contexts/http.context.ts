import { HttpException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { RateLimitExceededException } from '../errors/rate-limit-exceeded.exception.js';
import {
  writeRateLimitHeaders,
  type DraftPolicy,
  type HeadersMode,
  type LimitInfo,
} from '../headers/rate-limit-headers.js';
import { authFailureMessage } from './auth-failure.js';
import type { ContextKind } from './context-kind.interface.js';

/**
 * The headers rate limiting writes, as Fastify keeps them: `reply.header` lower-cases every name,
 * and given one already in lower case, `toLowerCase` returns that same (internalised) string
 * instead of a new one per request. The wire shows Fastify's lower-case names either way.
 */
const LOWER_CASE_NAMES: Readonly<Record<string, string>> = {
  'RateLimit-Policy': 'ratelimit-policy',
  RateLimit: 'ratelimit',
  'Retry-After': 'retry-after',
  'X-RateLimit-Limit': 'x-ratelimit-limit',
  'X-RateLimit-Remaining': 'x-ratelimit-remaining',
  'X-RateLimit-Reset': 'x-ratelimit-reset',
};

/** Sets one response header on an Express response (`setHeader`) or a Fastify reply (`header`). */
export function setHeader(response: any, name: string, value: string | number): void {
  if (typeof response.setHeader === 'function') response.setHeader(name, value);
  else response.header(LOWER_CASE_NAMES[name] ?? name, value);
}

/** The 401 an auth failure becomes by default, naming the cause (an `HttpException` passes as it is). */
export function defaultAuthError(error: unknown): HttpException {
  if (error instanceof HttpException) return error;
  return new UnauthorizedException(authFailureMessage(error));
}

/**
 * Argument `index` of an HTTP call: 0 the request, 1 the response, as `switchToHttp()` gives them
 * (Nest's `[req, res, next]`). Read directly: Nest's `switchToHttp()` creates three closures on
 * every call. A context without `getArgByIndex` (a hand-made stub) goes through `switchToHttp()`.
 */
function httpArg(context: ExecutionContext, index: 0 | 1): any {
  if (typeof context.getArgByIndex === 'function') return context.getArgByIndex(index);
  const http = context.switchToHttp();
  return index === 0 ? http.getRequest() : http.getResponse();
}

/** HTTP routes on Express or Fastify: a 429 `RateLimitExceededException`, headers on the response. */
export const httpContext: ContextKind = {
  type: 'http',
  patterns: 'every-call',

  request(context: ExecutionContext) {
    return httpArg(context, 0);
  },

  method(_context, request) {
    return request.method;
  },

  writeHeaders(context, mode: HeadersMode, limits: readonly LimitInfo[], retryAfter?: number, policy?: DraftPolicy) {
    const response = httpArg(context, 1);
    writeRateLimitHeaders(response, setHeader, mode, limits, policy);
    if (retryAfter !== undefined) setHeader(response, 'Retry-After', retryAfter);
  },

  rejection(retryAfter) {
    return new RateLimitExceededException(retryAfter);
  },

  authFailure: defaultAuthError,
};
