/**
 * A GraphQL resolver's rejection or auth failure. GraphQL servers (Apollo, Mercurius) wrap an error
 * thrown by a resolver into a `GraphQLError` that keeps its `extensions`, so clients see
 * `{ message: 'Too Many Requests', extensions: { code: 'TOO_MANY_REQUESTS', retryAfter } }`, or
 * `extensions.code === 'UNAUTHENTICATED'` for an auth failure. Not an `HttpException`, so Nest's
 * drivers leave its code alone.
 */
export class RateLimitGraphQLError extends Error {
  constructor(
    message: string,
    /** `code` (`'TOO_MANY_REQUESTS'` or `'UNAUTHENTICATED'`) and, for a rejection, `retryAfter` in seconds. */
    readonly extensions: { code: string; retryAfter?: number },
  ) {
    super(message);
    this.name = 'RateLimitGraphQLError';
  }
}
