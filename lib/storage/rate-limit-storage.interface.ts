import type { Algorithm, LimitStatus } from '../algorithms/algorithm.interface.js';

/** One limit to check for a request: `limit` hits per `windowMs` on the counter `key`. */
export interface LimitCheck {
  /** Counter key, relative to `ConsumeRequest.identityKey`. */
  key: string;
  /** Hits admitted per window; 0 rejects every hit. */
  limit: number;
  /** Window length in ms. */
  windowMs: number;
  algorithm: Algorithm;
  /** Index into `ConsumeRequest.blocks` of the scope this limit belongs to. */
  block: number;
  /**
   * A shadow limit (a rule with `dryRun: true`): checked and reported like any limit, but its
   * rejection neither rejects the request nor blocks. When the request is admitted, a shadow limit
   * with room for its cost records it; one without room records nothing. Default false.
   */
  shadow?: boolean;
}

/** A scope in which the identity can be blocked. */
export interface BlockScope {
  /** Block key, relative to `ConsumeRequest.identityKey`. */
  key: string;
  /** ms the identity is blocked in this scope when one of its limits rejects; 0 = never blocked. */
  durationMs: number;
}

/**
 * Everything one request asks of a storage, answered in one atomic step: if the identity is
 * blocked in any scope, reject; else check every limit and record its cost in all of them only if
 * all (but shadow limits) admit (a rejected request consumes nothing); a rejecting limit whose
 * scope has a block duration blocks the identity in that scope.
 *
 * Costs: a limit admits iff it is above 0 and has room for its cost (hits counted in its window
 * plus the cost <= the limit), so a cost above the limit is always rejected (Retry-After: one
 * window), and a limit of 0 rejects every request, cost 0 included. A cost of 0 is admitted by
 * every limit that is not over its limit, and records nothing. A key named by several limits is one
 * counter: each is checked against it, and it records once, as the last of them that records.
 */
export interface ConsumeRequest {
  /**
   * Prefix shared by every key of this identity, e.g. `ratelimit:{alice}`. The `{...}` part is
   * the Redis Cluster hash tag, so all keys of one request live in one slot.
   */
  identityKey: string;
  limits: readonly LimitCheck[];
  /**
   * Hits this request counts in each limit, aligned with `limits`: whole numbers >= 0.
   * Undefined: every cost is 1.
   */
  costs?: readonly number[];
  blocks: readonly BlockScope[];
  /** Decide without recording anything (RateLimitService.check). */
  peek?: boolean;
}

/** A storage's answer to a `ConsumeRequest`. Durations in ms. */
export interface ConsumeResult {
  allowed: boolean;
  /** ms until the request could be admitted; 0 when allowed (shadow limits never count here). */
  retryAfterMs: number;
  /** True when the request was rejected because of a block (new or standing). */
  blocked: boolean;
  /**
   * One status per `ConsumeRequest.limits` entry, same order. When the identity is blocked, a limit
   * of a blocked scope reports `remaining` 0 and the block's end as `resetMs`/`retryAfterMs`; a
   * limit of another scope, which a standing block leaves unread, is `unknown`.
   */
  limits: LimitStatus[];
}

/**
 * Where counters live. Implement it to keep counts elsewhere; `MemoryStorage` and `RedisStorage`
 * are the built-in ones. `consume` must be atomic per identity: concurrent requests never admit
 * more than the limits allow.
 */
export interface RateLimitStorage {
  /** Checks and, unless `request.peek`, records one request against every limit at once. */
  consume(request: ConsumeRequest): ConsumeResult | Promise<ConsumeResult>;
  /** Forgets every counter and block of one identity (`identityKey` as in `ConsumeRequest`). */
  reset(identityKey: string): void | Promise<void>;
  /**
   * Optional: resolves once the storage can answer, rejects saying why when it cannot within
   * `timeoutMs` (ms). `RateLimitModule` awaits it at bootstrap, bounded by `storageTimeout` (else
   * 5000 ms), so that an app does not start out counting in the `onStorageError` fallback.
   */
  ready?(timeoutMs: number): Promise<void>;
}
