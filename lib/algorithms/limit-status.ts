import type { LimitStatus } from './algorithm.interface.js';

/** Fills `status` for a hit this limit rejects, admitted again in `waitMs` ms; returns false. */
export function rejectFor(status: LimitStatus, waitMs: number): false {
  status.remaining = 0;
  status.resetMs = waitMs;
  status.retryAfterMs = waitMs;
  return false;
}
