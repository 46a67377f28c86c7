import type { WindowAlgorithm } from './algorithm.interface.js';

interface GcraState {
  /** Theoretical arrival time (ms timestamp): when the bucket is empty again. */
  tat: number;
}

/** Float tolerance (ms) so that `limit` hits of `windowMs / limit` each fit in `windowMs` exactly. */
const EPSILON_MS = 1e-6;

/**
 * Generic Cell Rate Algorithm: a token bucket of `limit` tokens refilled at one token per
 * `windowMs / limit`, kept as a single timestamp per key.
 */
export const gcra: WindowAlgorithm<GcraState> = {
  name: 'gcra',

  check(state, now, limit, windowMs, status) {
    if (limit <= 0) {
      status.remaining = 0;
      status.resetMs = windowMs;
      status.retryAfterMs = windowMs;
      return false;
    }
    const interval = windowMs / limit;
    const start = state === undefined || state.tat < now ? now : state.tat;
    const backlog = start + interval - now; // ms until empty if this hit is admitted
    if (backlog <= windowMs + EPSILON_MS) {
      const remaining = Math.floor((windowMs - backlog) / interval + EPSILON_MS);
      status.remaining = remaining;
      status.resetMs = (remaining + 1) * interval - windowMs + backlog;
      status.retryAfterMs = 0;
      return true;
    }
    const wait = backlog - windowMs;
    status.remaining = 0;
    status.resetMs = wait;
    status.retryAfterMs = wait;
    return false;
  },

  record(state, now, limit, windowMs) {
    const interval = windowMs / limit;
    if (state === undefined) return { tat: now + interval };
    state.tat = (state.tat < now ? now : state.tat) + interval;
    return state;
  },

  expiresAt(state) {
    return state.tat;
  },
};
