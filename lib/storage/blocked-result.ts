import type { LimitStatus } from '../algorithms/algorithm.interface.js';
import type { ConsumeResult, LimitCheck } from './rate-limit-storage.interface.js';

/**
 * The answer to a request of an identity blocked in some of its scopes, the same in every storage:
 * `leftMs[j]` is the ms left of the block of scope `j` (0: not blocked there). A limit of a blocked
 * scope has no quota until its block ends (remaining 0, reset and retry = the block's ms left); a
 * limit of another scope is left unread (`unknown`), so that no header claims it is exhausted.
 */
export function blockedResult(limits: readonly LimitCheck[], leftMs: readonly number[]): ConsumeResult {
  let retryAfterMs = 0;
  for (const left of leftMs) if (left > retryAfterMs) retryAfterMs = left;
  const statuses: LimitStatus[] = new Array(limits.length);
  for (let i = 0; i < limits.length; i++) {
    const left = leftMs[limits[i].block];
    statuses[i] =
      left > 0
        ? { remaining: 0, resetMs: left, retryAfterMs: left }
        : { remaining: 0, resetMs: 0, retryAfterMs: 0, unknown: true };
  }
  return { allowed: false, retryAfterMs, blocked: true, limits: statuses };
}
