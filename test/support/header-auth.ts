import type { ExecutionContext } from '@nestjs/common';
import { EmptyInformation, requestOf, type Identity } from '../../lib/index.js';

/** An auth function that counts its calls. */
export interface CountingAuth {
  (context: ExecutionContext): Identity;
  /** How many times the guard asked it for an identity. */
  calls: number;
}

/**
 * The test identity: `x-user` and `x-group` request headers (group 'default' when absent).
 * Without `x-user` it throws `EmptyInformation`, so a 401 shows that auth ran.
 */
export function headerAuth(): CountingAuth {
  const auth = ((context: ExecutionContext): Identity => {
    auth.calls++;
    const headers = requestOf(context).headers; // any context kind: HTTP, GraphQL's HTTP request, a WebSocket handshake
    const user = headers['x-user'];
    if (typeof user !== 'string' || user === '') throw new EmptyInformation('no x-user header');
    return { user, group: typeof headers['x-group'] === 'string' ? headers['x-group'] : undefined };
  }) as CountingAuth;
  auth.calls = 0;
  return auth;
}

/** Headers of a caller for `headerAuth`. */
export const as = (user: string, group?: string): Record<string, string> =>
  group === undefined ? { 'x-user': user } : { 'x-user': user, 'x-group': group };
