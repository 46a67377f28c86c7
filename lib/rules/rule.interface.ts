import type { ExecutionContext } from '@nestjs/common';
import type { Algorithm } from '../algorithms/algorithm.interface.js';

/**
 * How many hits one request counts, computed per request from its context (e.g. from a header or a
 * GraphQL query's complexity): a whole number >= 0, or a promise of one.
 */
export type CostFunction = (context: ExecutionContext) => number | Promise<number>;

/**
 * One rate-limiting rule, as in asgi-ratelimit. Periods are hit counts: `{ minute: 10 }` admits
 * 10 hits per minute. A rule without any period exempts its group (`{ group: 'admin' }`).
 */
export interface Rule {
  /** Group of callers the rule applies to. Default `'default'`. */
  group?: string;
  /** HTTP method the rule applies to, case-insensitive. Default `'*'` (every method). */
  method?: string;
  /** Hits per second. */
  second?: number;
  /** Hits per minute (60 s). */
  minute?: number;
  /** Hits per hour (3600 s). */
  hour?: number;
  /** Hits per day (86400 s). */
  day?: number;
  /** Hits per month (31 days). */
  month?: number;
  /** Hits per custom `window`; give both or neither. */
  limit?: number;
  /** Length of the custom period in seconds; give both or neither. */
  window?: number;
  /** Seconds the caller is blocked in this rule's scope after this rule rejects it. */
  blockTime?: number;
  /** Rules with the same zone share counters, whatever pattern or route they come from. */
  zone?: string;
  /** Counting algorithm for this rule; default the module's `algorithm`. */
  algorithm?: Algorithm;
  /**
   * Hits one request counts in each limit of this rule: a whole number >= 0, or a function of the
   * request's context called per request. Default 1. A request is admitted only if every limit has
   * room for its cost (a cost above a limit is always rejected); when two selected rules name the
   * same counter (one zone), the request counts the larger cost once.
   */
  cost?: number | CostFunction;
  /**
   * Shadow rule: counted and reported (headers, metrics, `onDecision`) like any rule, but never
   * rejects nor blocks (a way to roll out a new limit). Default `false`.
   */
  dryRun?: boolean;
}
