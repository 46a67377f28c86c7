import type { WindowAlgorithm } from './algorithm.interface.js';
import { rejectFor } from './limit-status.js';

/** The window of one key. */
export interface FixedWindowState {
  /** Hits admitted in the window. */
  count: number;
  /** ms timestamp at which the window closes. */
  resetAt: number;
}

/**
 * Fixed window opened by the first admitted hit (asgi-ratelimit's Redis backend). Exact semantics,
 * which every storage reproduces (the Redis script included):
 *
 * - The window is open while `now < resetAt`. A hit admitted when no window is open opens one:
 *   `count = 1`, `resetAt = now + windowMs`; a hit admitted in an open window adds 1 to `count`.
 * - Admitted iff `limit > 0` and (no window is open, or `count < limit`).
 * - `remaining` = `limit - count - 1` after this hit (`limit - 1` when it opens a window).
 *   `resetMs` = `resetAt - now` (`windowMs` when it opens a window).
 * - Rejected: `retryAfterMs = resetMs = resetAt - now` (>= 1 ms with whole-ms times). A limit of 0
 *   rejects with `windowMs`. Durations are whole ms, rounded up.
 * - The state can be dropped from `resetAt`.
 */
export const fixedWindow: WindowAlgorithm<FixedWindowState> = {
  name: 'fixed-window',

  check(state, now, limit, windowMs, status) {
    if (limit <= 0) return rejectFor(status, windowMs);
    const open = state !== undefined && now < state.resetAt;
    const resetMs = open ? Math.ceil(state.resetAt - now) : windowMs;
    const count = open ? state.count : 0;
    if (count >= limit) return rejectFor(status, resetMs);
    status.remaining = limit - count - 1;
    status.resetMs = resetMs;
    status.retryAfterMs = 0;
    return true;
  },

  record(state, now, _limit, windowMs) {
    if (state === undefined) return { count: 1, resetAt: now + windowMs };
    if (now >= state.resetAt) {
      state.count = 1;
      state.resetAt = now + windowMs;
    } else {
      state.count++;
    }
    return state;
  },

  expiresAt(state) {
    return state.resetAt;
  },
};
