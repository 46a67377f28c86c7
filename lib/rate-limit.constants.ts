/** Metadata key of `@RateLimit` (a `Rule[]`). */
export const RATE_LIMIT_RULES = 'nestjs-ratelimit:rules';
/** Metadata key of `@SkipRateLimit` (a `string[]`; empty = everyone). */
export const SKIP_RATE_LIMIT = 'nestjs-ratelimit:skip';
/** Injection token of the storage the guard uses. */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');
/** Injection token of the function that resolves a request's identity. */
export const RATE_LIMIT_IDENTIFY = Symbol('RATE_LIMIT_IDENTIFY');
/** Injection token of the module's options with defaults applied (`ResolvedRateLimitOptions`). */
export const RATE_LIMIT_SETTINGS = Symbol('RATE_LIMIT_SETTINGS');
/** Injection token of the config patterns, compiled (`PatternRules[]`). */
export const RATE_LIMIT_PATTERNS = Symbol('RATE_LIMIT_PATTERNS');
