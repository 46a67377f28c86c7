/**
 * Thrown at bootstrap (or when a decorator is applied) for a configuration that cannot work.
 * The message names the offending pattern or field and how to fix it.
 */
export class InvalidRateLimitConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRateLimitConfigError';
  }
}
