import type { WindowAlgorithm } from './algorithm.interface.js';
import { rejectFor } from './limit-status.js';

/** Limits up to this many hits per window keep one entry per admitted millisecond: exact. */
export const SLIDING_WINDOW_EXACT_LIMIT = 1000;

/** Larger limits group hits into buckets of `windowMs / SLIDING_WINDOW_BUCKETS` (rounded up). */
export const SLIDING_WINDOW_BUCKETS = 1000;

/**
 * Admitted hits of one key, oldest first, as pairs in one flat array: `hits[i]` is a ms timestamp
 * `at` and `hits[i + 1]` the number of hits that count as if they happened at `at`. The `at` values
 * are strictly increasing. Pairs before `head` are dead (kept until the array is compacted).
 */
export interface SlidingWindowState {
  hits: number[];
  /** Index in `hits` of the oldest pair that may still be live (always even). */
  head: number;
  /** Sum of the counts from `head` on. */
  total: number;
}

/** Dead pairs kept before the array is compacted (amortised O(1) per hit). */
const COMPACT_AFTER = 32;

/** Bucket length in ms for a limit: 1 (exact) up to `SLIDING_WINDOW_EXACT_LIMIT` hits. */
export function slidingWindowBucketMs(limit: number, windowMs: number): number {
  return limit <= SLIDING_WINDOW_EXACT_LIMIT ? 1 : Math.max(1, Math.ceil(windowMs / SLIDING_WINDOW_BUCKETS));
}

/** Drops the hits that left the window: a pair at `at` is live while `at + windowMs > now`. */
function expire(state: SlidingWindowState, now: number, windowMs: number): void {
  const { hits } = state;
  let head = state.head;
  while (head < hits.length && hits[head] + windowMs <= now) {
    state.total -= hits[head + 1];
    head += 2;
  }
  if (head > 2 * COMPACT_AFTER && head * 2 >= hits.length) {
    hits.splice(0, head);
    head = 0;
  }
  state.head = head;
}

/** The time a hit at `now` is recorded at: the end of its bucket, never before the newest pair. */
function recordTime(hits: readonly number[], now: number, limit: number, windowMs: number): number {
  const bucketMs = slidingWindowBucketMs(limit, windowMs);
  const at = Math.ceil(now / bucketMs) * bucketMs;
  return hits.length > 0 && hits[hits.length - 2] >= at ? hits[hits.length - 2] : at;
}

/**
 * Sliding window: a hit is admitted only if fewer than `limit` hits are live, so no interval of
 * `windowMs` ever holds more than `limit` admitted hits. Exact semantics, which every storage
 * reproduces (the Redis script included); times are whole ms:
 *
 * - The state is a list of `(at, count)` pairs, oldest first, `at` strictly increasing.
 * - A pair is live at `now` while `at + windowMs > now`: with bucket `b = 1`, a hit at `t` counts
 *   in `[t, t + windowMs)` exactly. Dead pairs are dropped from the front before anything else.
 * - Admitted iff `limit > 0` and the live count (sum of live counts) is below `limit`.
 * - A hit admitted at `now` is recorded at `at = max(ceil(now / b) * b, newest pair's at)`, with the
 *   bucket `b = 1` ms when `limit <= 1000`, else `b = max(1, ceil(windowMs / 1000))` ms. If the newest
 *   pair has that `at`, its count grows by 1; otherwise the pair `(at, 1)` is appended.
 * - `remaining` = `limit - live - 1` after this hit. `resetMs` = until the oldest live hit leaves:
 *   `oldest.at + windowMs - now`, where the oldest is this hit's `at` when no hit is live.
 * - Rejected: `retryAfterMs = resetMs` = `at + windowMs - now` of the first pair (from the oldest)
 *   at which the running count reaches `live - limit + 1`: the oldest pair, unless the limit was
 *   lowered. Always >= 1 ms. A limit of 0 rejects with `windowMs`.
 * - The state can be dropped from the newest pair's `at + windowMs`.
 *
 * Approximation: with `b > 1` (limits above 1000) a hit counts as if it happened up to `b - 1` ms
 * later, so it stays live for between `windowMs` and `windowMs + b - 1` ms. This never admits more
 * than `limit` in any window; it only delays admissions, by less than `b` (1/1000 of the window: 3.6 s
 * for an hour, 86.4 s for a day, 44.64 min for a month; measured throughput loss under saturation
 * about 0.06%), and keeps at most about 1001 pairs per key whatever the limit.
 */
export const slidingWindow: WindowAlgorithm<SlidingWindowState> = {
  name: 'sliding-window',

  check(state, now, limit, windowMs, status) {
    if (limit <= 0) return rejectFor(status, windowMs);
    if (state !== undefined) expire(state, now, windowMs);
    const live = state === undefined ? 0 : state.total;
    if (live < limit) {
      const oldest = live > 0 ? state!.hits[state!.head] : recordTime(state?.hits ?? [], now, limit, windowMs);
      status.remaining = limit - live - 1;
      status.resetMs = Math.ceil(oldest + windowMs - now);
      status.retryAfterMs = 0;
      return true;
    }
    // Admitted again once `live - limit + 1` of the live hits have left the window.
    const { hits, head } = state!;
    let leaving = live - limit + 1;
    let i = head;
    while ((leaving -= hits[i + 1]) > 0) i += 2;
    return rejectFor(status, Math.ceil(hits[i] + windowMs - now));
  },

  record(state, now, limit, windowMs) {
    if (state === undefined) return { hits: [recordTime([], now, limit, windowMs), 1], head: 0, total: 1 };
    expire(state, now, windowMs);
    const { hits } = state;
    const at = recordTime(hits, now, limit, windowMs);
    if (state.total === 0) {
      // Every pair is dead: reuse the array from the start.
      hits.length = 2;
      hits[0] = at;
      hits[1] = 1;
      state.head = 0;
    } else if (hits[hits.length - 2] === at) hits[hits.length - 1]++;
    else hits.push(at, 1);
    state.total++;
    return state;
  },

  expiresAt(state, windowMs) {
    return state.hits.length === 0 ? 0 : state.hits[state.hits.length - 2] + windowMs;
  },
};
