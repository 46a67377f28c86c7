import type { ExecutionContext, ModuleMetadata, Type } from '@nestjs/common';
import type { Algorithm } from './algorithms/algorithm.interface.js';
import type { AuthProvider, Identity } from './auth/rate-limit-auth.interface.js';
import type { Rule } from './rules/rule.interface.js';
import type { RateLimitStorage } from './storage/rate-limit-storage.interface.js';

/** Which rate-limit headers responses carry. */
export type HeadersMode = 'draft' | 'legacy' | 'both' | 'none';

/** What happens to a request when the storage fails or times out. */
export type StorageErrorPolicy = 'fallback' | 'allow' | 'deny';

/** Where one applied limit stands after a request. */
export interface LimitInfo {
  /** Policy name: `second`, `minute`, `hour`, `day`, `month`, or `<window>s` for a custom window. */
  name: string;
  /** Hits admitted per window. */
  limit: number;
  /** Window length in seconds. */
  window: number;
  /** Hits left in the window after this request. */
  remaining: number;
  /** Seconds (rounded up) until this limit gives more quota. */
  reset: number;
}

/** The outcome of rate limiting one request, given to `onBlocked` and returned by `RateLimitService`. */
export interface RateLimitInfo {
  identity: Required<Identity>;
  allowed: boolean;
  /** Seconds (whole, rounded up) until a request may be admitted; 0 when allowed. */
  retryAfter: number;
  /** True when the caller is blocked by a rule's `blockTime`. */
  blocked: boolean;
  limits: LimitInfo[];
}

/** Options of `RateLimitModule.forRoot` (and what `forRootAsync`'s factory returns). */
export interface RateLimitModuleOptions {
  /**
   * Who is calling. A class (built by Nest DI), an instance, or a `(context) => Identity` function;
   * a list is tried in order, `EmptyInformation` moving on to the next. Default `ClientIpAuth`.
   */
  auth?: AuthProvider | AuthProvider[];
  /** Where counts live: a class (built by Nest DI) or an instance. Default a new `MemoryStorage`. */
  storage?: Type<RateLimitStorage> | RateLimitStorage;
  /** Regex path pattern (matched at the start of the normalised path, case-insensitively) -> rules. */
  config?: Record<string, Rule[]>;
  /** Counting algorithm of rules that name none. Default `'fixed-window'`. */
  algorithm?: Algorithm;
  /** Rate-limit headers on responses. Default `'draft'` (`RateLimit-Policy` and `RateLimit`). */
  headers?: HeadersMode;
  /** First component of every storage key. Default `'ratelimit'`. */
  keyPrefix?: string;
  /** Modules whose providers auth and storage classes inject (forRoot only; forRootAsync has its own). */
  imports?: ModuleMetadata['imports'];
  /** Runs before a request is rejected; may throw its own exception, else the 429 is thrown. */
  onBlocked?: (context: ExecutionContext, info: RateLimitInfo) => unknown | Promise<unknown>;
  /**
   * Decides what an auth failure (including no identity at all) becomes: return an identity to
   * limit the request under, or throw. Default: a 401 naming the cause.
   */
  onAuthError?: (error: unknown, context: ExecutionContext) => Identity | Promise<Identity>;
  /** When the storage fails or exceeds `storageTimeout`. Default `'fallback'` (in-process counting). */
  onStorageError?: StorageErrorPolicy;
  /** ms a storage call may take before it counts as failed. Default: no timeout. */
  storageTimeout?: number;
  /** Count and set headers, but never reject. Default `false`. */
  dryRun?: boolean;
}

/** The module's options after defaults, as the guard and service use them. */
export interface ResolvedRateLimitOptions {
  config: Record<string, Rule[]>;
  algorithm: Algorithm;
  headers: HeadersMode;
  keyPrefix: string;
  onBlocked?: RateLimitModuleOptions['onBlocked'];
  onAuthError?: RateLimitModuleOptions['onAuthError'];
  onStorageError: StorageErrorPolicy;
  storageTimeout?: number;
  dryRun: boolean;
}

/** A class given to `forRootAsync({ useClass })` or `useExisting`: it produces the module's options. */
export interface RateLimitOptionsFactory {
  createRateLimitOptions(): RateLimitModuleOptions | Promise<RateLimitModuleOptions>;
}
