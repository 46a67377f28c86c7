import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * The 429 a rejected request gets. Body: `{ statusCode: 429, message: 'Too Many Requests', retryAfter }`,
 * `retryAfter` in whole seconds, rounded up.
 */
export class RateLimitExceededException extends HttpException {
  constructor(
    /** Seconds until a request may be admitted, rounded up. */
    readonly retryAfter: number,
  ) {
    super(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, message: 'Too Many Requests', retryAfter },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
