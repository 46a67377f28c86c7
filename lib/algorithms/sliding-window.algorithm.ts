import type { LimitStatus, WindowAlgorithm } from './algorithm.interface.js';

/** Limits up to this many hits per window keep one entry per admitted millisecond: exact. */
export const SLIDING_WINDOW_EXACT_LIMIT = 1000;

/** Larger limits group hits into buckets of `windowMs / SLIDING_WINDOW_BUCKETS` (rounded up). */
export const SLIDING_WINDOW_BUCKETS = 1000;

/**
 * Admitted hits of one key, oldest first: entry `i` (from `head` on) is `counts[i]` hits that all
 * count as if they happened at the ms timestamp `at[i]`. `at` is strictly increasing.
 */
export interface SlidingWindowState {
  at: number[];
  counts: number[];
  /** Index of the oldest entry that may still be live; entries before it are dead. */
  head: number;
  /** Sum of `counts` from `head` on. */
  total: number;
}

/** Dead entries kept before the arrays are compacted (amortised O(1) per hit). */
const COMPACT_AFTER = 32;

/** Bucket length in ms for a limit: 1 (exact) up to `SLIDING_WINDOW_EXACT_LIMIT` hits. */
export function slidingWindowBucketMs(limit: number, windowMs: number): number {
  return limit <= SLIDING_WINDOW_EXACT_LIMIT ? 1 : Math.max(1, Math.ceil(windowMs / SLIDING_WINDOW_BUCKETS));
}

/** Drops the entries that left the window: an entry at `at` is live while `at + windowMs > now`. */
function expire(state: SlidingWindowState, now: number, windowMs: number): void {
  const { at, counts } = state;
  let head = state.head;
  while (head < at.length && at[head] + windowMs <= now) state.total -= counts[head++];
  if (head > COMPACT_AFTER && head * 2 >= at.length) {
    at.splice(0, head);
    counts.splice(0, head);
    head = 0;
  }
  state.head = head;
}

/** The time a hit at `now` is recorded at: the end of its bucket, never before the newest entry. */
function recordTime(state: SlidingWindowState | undefined, now: number, limit: number, windowMs: number): number {
  const bucketMs = slidingWindowBucketMs(limit, windowMs);
  const at = Math.ceil(now / bucketMs) * bucketMs;
  const newest = state === undefined || state.at.length === 0 ? -Infinity : state.at[state.at.length - 1];
  return at > newest ? at : newest;
}

function reject(status: LimitStatus, waitMs: number): false {
  status.remaining = 0;
  status.resetMs = waitMs;
  status.retryAfterMs = waitMs;
  return false;
}

/**
 * Sliding window: a hit is admitted only if fewer than `limit` hits are live, so no interval of
 * `windowMs` ever holds more than `limit` admitted hits. Exact semantics, which every storage
 * reproduces (the Redis script included):
 *
 * - Times are ms timestamps; durations are reported as whole ms, rounded up.
 * - A hit admitted at `now` is recorded at `at = max(ceil(now / b) * b, newest entry's at)`, with the
 *   bucket `b = 1` ms when `limit <= 1000`, else `b = max(1, ceil(windowMs / 1000))` ms. A hit with
 *   the same `at` as the newest entry adds 1 to its count, otherwise a new entry `(at, 1)` is appended.
 * - An entry is live at `now` while `at + windowMs > now`: with integer ms and `b = 1`, a hit at `t`
 *   counts in `[t, t + windowMs)` exactly.
 * - Admitted iff `limit > 0` and the live count is below `limit`.
 * - `remaining` = `limit - live - 1` after this hit. `resetMs` = until the oldest live hit (this one if
 *   none) leaves: `oldest.at + windowMs - now`.
 * - Rejected: `retryAfterMs` = until enough hits have left, i.e. `at + windowMs - now` of the first entry
 *   at which the running count from the oldest reaches `live - limit + 1` (the oldest entry, unless
 *   the limit was lowered). Always >= 1 ms. A limit of 0 rejects with `windowMs`.
 *
 * Approximation: with `b > 1` (limits above 1000) a hit counts as if it happened up to `b - 1` ms
 * later, so it stays live for between `windowMs` and `windowMs + b - 1` ms. This only ever delays
 * admissions, by less than `b` (1/1000 of the window: 44.6 min for a month, 86.4 s for a day), and
 * keeps at most about 1001 entries per key whatever the limit.
 */
export const slidingWindow: WindowAlgorithm<SlidingWindowState> = {
  name: 'sliding-window',

  check(state, now, limit, windowMs, status) {
    if (limit <= 0) return reject(status, windowMs);
    if (state !== undefined) expire(state, now, windowMs);
    const live = state === undefined ? 0 : state.total;
    if (live < limit) {
      const oldest = live > 0 ? state!.at[state!.head] : recordTime(state, now, limit, windowMs);
      status.remaining = limit - live - 1;
      status.resetMs = Math.ceil(oldest + windowMs - now);
      status.retryAfterMs = 0;
      return true;
    }
    // Admitted again once `live - limit + 1` of the live hits have left the window.
    const { at, counts } = state!;
    let leaving = live - limit + 1;
    let i = state!.head;
    while ((leaving -= counts[i]) > 0) i++;
    return reject(status, Math.ceil(at[i] + windowMs - now));
  },

  record(state, now, limit, windowMs) {
    if (state === undefined) {
      return { at: [recordTime(undefined, now, limit, windowMs)], counts: [1], head: 0, total: 1 };
    }
    expire(state, now, windowMs);
    const at = recordTime(state, now, limit, windowMs);
    const last = state.at.length - 1;
    if (last >= state.head && state.at[last] === at) state.counts[last]++;
    else {
      state.at.push(at);
      state.counts.push(1);
    }
    state.total++;
    return state;
  },

  expiresAt(state, windowMs) {
    return state.at.length === 0 ? 0 : state.at[state.at.length - 1] + windowMs;
  },
};
