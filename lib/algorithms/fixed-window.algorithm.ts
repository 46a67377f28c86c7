import type { WindowAlgorithm } from './algorithm.interface.js';

interface FixedWindowState {
  count: number;
  /** ms timestamp at which the window closes. */
  resetAt: number;
}

/**
 * Fixed window opened by the first admitted hit: at most `limit` hits until `windowMs` later,
 * then a fresh window opens with the next admitted hit (asgi-ratelimit's Redis backend).
 */
export const fixedWindow: WindowAlgorithm<FixedWindowState> = {
  name: 'fixed-window',

  check(state, now, limit, windowMs, status) {
    if (state === undefined || now >= state.resetAt) {
      const allowed = limit > 0;
      status.remaining = allowed ? limit - 1 : 0;
      status.resetMs = windowMs;
      status.retryAfterMs = allowed ? 0 : windowMs;
      return allowed;
    }
    const resetMs = state.resetAt - now;
    status.resetMs = resetMs;
    if (state.count < limit) {
      status.remaining = limit - state.count - 1;
      status.retryAfterMs = 0;
      return true;
    }
    status.remaining = 0;
    status.retryAfterMs = resetMs;
    return false;
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
