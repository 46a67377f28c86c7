import type { LimitStatus } from './algorithm.interface.js';

/** Fills `status` for a hit this limit rejects, admitted again in `waitMs` ms; returns false. */
export function rejectFor(status: LimitStatus, waitMs: number): false {
  status.remaining = 0;
  status.resetMs = waitMs;
  status.retryAfterMs = waitMs;
  return false;
}

/**
 * Whether no state can ever admit `cost` hits: a limit of 0 rejects every request, a cost above
 * the limit is always rejected. Such a check is rejected with `windowMs` (one window), in every
 * algorithm and storage (the Redis script tests the same before it runs an algorithm's Lua).
 */
export const neverAdmits = (limit: number, cost: number): boolean => limit <= 0 || cost > limit;
