import { Inject, Injectable, Optional, type ExecutionContext } from '@nestjs/common';
import { EmptyInformation } from '../errors/empty-information.error.js';
import { requestOf } from '../contexts/contexts.js';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import { readIdentity } from './identity-claims.js';
import type { Identity, RateLimitAuth } from './rate-limit-auth.interface.js';

/** Options of `SessionAuth`. */
export interface SessionAuthOptions {
  /** Session field holding the user id (a string or number). Default `'user'`. */
  userKey?: string;
  /** Session field holding the user's group. Default `'group'`; a missing group is `'default'`. */
  groupKey?: string;
}

/** Never provided: `auth: SessionAuth` (built by Nest DI) gets the defaults. */
const SESSION_AUTH_OPTIONS = Symbol('SESSION_AUTH_OPTIONS');

/**
 * Identifies callers by their server-side session: `session[userKey]` and `session[groupKey]`
 * with express-session, `session.get(key)` with @fastify/secure-session or @fastify/session.
 * A session without a user throws `EmptyInformation`; a request without any session object means
 * the session middleware is not registered, and fails with `InvalidRateLimitConfigError` (a 500,
 * never passed to `onAuthError`).
 */
@Injectable()
export class SessionAuth implements RateLimitAuth {
  private readonly userKey: string;
  private readonly groupKey: string;

  constructor(@Optional() @Inject(SESSION_AUTH_OPTIONS) options: SessionAuthOptions = {}) {
    this.userKey = options.userKey ?? 'user';
    this.groupKey = options.groupKey ?? 'group';
  }

  authenticate(context: ExecutionContext): Identity {
    const session = requestOf(context).session;
    if (session === undefined || session === null) {
      throw new InvalidRateLimitConfigError(
        'SessionAuth found no session on the request: register the session middleware before the app starts ' +
          '(express-session with app.use(session(...)) on Express; @fastify/secure-session or @fastify/session ' +
          'with app.register(...) on Fastify).',
      );
    }
    const read = typeof session.get === 'function' ? (key: string) => session.get(key) ?? session[key] : undefined;
    const identity = readIdentity(session, this.userKey, this.groupKey, read);
    if (identity === undefined) throw new EmptyInformation(`The session has no "${this.userKey}" (a string or number)`);
    return identity;
  }
}
