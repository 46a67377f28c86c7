import type { ExecutionContext } from '@nestjs/common';
import type { DraftPolicy, HeadersMode, LimitInfo } from '../headers/rate-limit-headers.js';
import type { MaybePromise } from '../utils/maybe-promise.js';

/**
 * How config patterns apply to one kind of handler: on every call (HTTP routes), once per HTTP
 * request however many handlers it runs (GraphQL resolvers), or not at all (WebSocket messages and
 * RPC calls have no path).
 */
export type PatternScope = 'every-call' | 'once-per-request' | 'none';

/**
 * What rate limiting needs to know about one kind of Nest handler (HTTP, GraphQL, WebSocket, RPC):
 * where its request is, how its response hears about limits, and what a rejection or an auth
 * failure becomes. The guard's steps are the same for every kind; only these differ.
 */
export interface ContextKind {
  /** Nest's name of the kind (`context.getType()`). */
  readonly type: string;
  /** Whether and how often config patterns count for a call of this kind. */
  readonly patterns: PatternScope;
  /**
   * The request auth providers read (headers, socket, session) and config patterns match the URL
   * of, or `undefined` when the handler has none.
   */
  request(context: ExecutionContext): any;
  /** The method rules are selected by (upper case), `'*'` where the kind has none. */
  method(context: ExecutionContext, request: any): string;
  /**
   * Writes the rate-limit headers of `mode` for `limits` where a response exists, and `Retry-After`
   * when `retryAfter` (seconds) is given. `policy`, when given, is `draftPolicy(limits)` (cached with
   * the limit plan): pass it on to `writeRateLimitHeaders`.
   */
  writeHeaders(
    context: ExecutionContext,
    mode: HeadersMode,
    limits: readonly LimitInfo[],
    retryAfter?: number,
    policy?: DraftPolicy,
  ): void;
  /**
   * The exception a rejected call throws, `retryAfter` in whole seconds (a promise of it only
   * while the kind's optional package is still loading).
   */
  rejection(retryAfter: number): MaybePromise<Error>;
  /** The exception an auth failure becomes when `onAuthError` does not decide. */
  authFailure(error: unknown): MaybePromise<Error>;
}
