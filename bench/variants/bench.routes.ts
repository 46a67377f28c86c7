import type { ExecutionContext } from '@nestjs/common';

/** Header naming the client: every variant counts per value of it, so scenarios choose the keys. */
export const USER_HEADER = 'x-user';

/** A limit no benchmark run can reach (hits per period). */
export const UNREACHABLE = 1_000_000_000;

/** Seconds a client stays blocked on the `/blocked` route once it exceeds one hit per second. */
export const BLOCK_SECONDS = 3600;

/** The routes every variant serves, with the same handlers and bodies. */
export const ROUTES = {
  /** Three stacked limits (second, minute, hour) that nothing reaches. */
  limited: '/limited',
  /** One hit per second (plus minute and hour limits), then blocked for `BLOCK_SECONDS`. */
  blocked: '/blocked',
} as const;

/** Body of every admitted response. */
export const BODY = 'ok';

/** The client of a request in both frameworks (Express request or Fastify request). */
export function userOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const value = request.headers[USER_HEADER];
  return typeof value === 'string' && value !== '' ? value : 'anonymous';
}

/** The same, from a Nest execution context. */
export const userOfContext = (context: ExecutionContext): string => userOf(context.switchToHttp().getRequest());
