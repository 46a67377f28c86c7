import type { WindowAlgorithm } from './algorithm.interface.js';
import { neverAdmits, rejectFor } from './limit-status.js';

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
 * Sliding window: a request is admitted only if the live hits plus its cost are at most `limit`, so
 * no interval of `windowMs` ever holds more than `limit` admitted hits. Exact semantics, which every
 * storage reproduces (the Lua below is the Redis script's); times are whole ms:
 *
 * - The state is a list of `(at, count)` pairs, oldest first, `at` strictly increasing.
 * - A pair is live at `now` while `at + windowMs > now`: with bucket `b = 1`, a hit at `t` counts
 *   in `[t, t + windowMs)` exactly. Dead pairs are dropped from the front before anything else.
 * - Admitted iff `limit > 0`, `cost <= limit` and `live + cost <= limit` (`live`: the sum of live counts).
 * - `cost` hits admitted at `now` are recorded at `at = max(ceil(now / b) * b, newest pair's at)`, with
 *   the bucket `b = 1` ms when `limit <= 1000`, else `b = max(1, ceil(windowMs / 1000))` ms. If the
 *   newest pair has that `at`, its count grows by `cost`; otherwise `(at, cost)` is appended. A cost
 *   of 0 records nothing.
 * - `remaining` = `limit - live - cost` after this request. `resetMs` = until the oldest live hit
 *   leaves: `oldest.at + windowMs - now`, where the oldest is this request's `at` when none is live.
 * - Rejected: `retryAfterMs = resetMs` = `at + windowMs - now` of the first pair (from the oldest)
 *   at which the running count reaches `live + cost - limit`. Always >= 1 ms. A limit of 0 or a cost
 *   above the limit rejects with `windowMs`.
 * - The state can be dropped from the newest pair's `at + windowMs`. Stored in Redis as one field:
 *   `total`, then the pairs (live as of the last write), as little-endian doubles.
 *
 * Approximation: with `b > 1` (limits above 1000) a hit counts as if it happened up to `b - 1` ms
 * later, so it stays live for between `windowMs` and `windowMs + b - 1` ms. This never admits more
 * than `limit` in any window; it only delays admissions, by less than `b` (1/1000 of the window: 3.6 s
 * for an hour, 86.4 s for a day, 44.64 min for a month; measured throughput loss under saturation
 * about 0.06%), and keeps at most about 1001 pairs per key whatever the limit.
 */
export const slidingWindow: WindowAlgorithm<SlidingWindowState> = {
  name: 'sliding-window',

  check(state, now, limit, windowMs, status, cost = 1) {
    if (neverAdmits(limit, cost)) return rejectFor(status, windowMs);
    if (state !== undefined) expire(state, now, windowMs);
    const live = state === undefined ? 0 : state.total;
    if (live + cost <= limit) {
      const oldest = live > 0 ? state!.hits[state!.head] : recordTime(state?.hits ?? [], now, limit, windowMs);
      status.remaining = limit - live - cost;
      status.resetMs = Math.ceil(oldest + windowMs - now);
      status.retryAfterMs = 0;
      return true;
    }
    // Admitted again once `live + cost - limit` of the live hits have left the window.
    const { hits, head } = state!;
    let leaving = live + cost - limit;
    let i = head;
    while ((leaving -= hits[i + 1]) > 0) i += 2;
    return rejectFor(status, Math.ceil(hits[i] + windowMs - now));
  },

  record(state, now, limit, windowMs, cost = 1) {
    if (state === undefined) return { hits: [recordTime([], now, limit, windowMs), cost], head: 0, total: cost };
    expire(state, now, windowMs);
    const { hits } = state;
    const at = recordTime(hits, now, limit, windowMs);
    if (state.total === 0) {
      // Every pair is dead: reuse the array from the start.
      hits.length = 2;
      hits[0] = at;
      hits[1] = cost;
      state.head = 0;
    } else if (hits[hits.length - 2] === at) hits[hits.length - 1] += cost;
    else hits.push(at, cost);
    state.total += cost;
    return state;
  },

  expiresAt(state, windowMs) {
    return state.hits.length === 0 ? 0 : state.hits[state.hits.length - 2] + windowMs;
  },

  // s = total, then the pairs (at, count), all as little-endian doubles (8 bytes, then 16 a pair):
  // a hit reads the dead prefix, the oldest live pair and the newest one.
  lua: `
local b = 1
if limit > ${SLIDING_WINDOW_EXACT_LIMIT} then b = math.max(1, math.ceil(window / ${SLIDING_WINDOW_BUCKETS})) end
local at = math.ceil(now / b) * b
local live, pos, size, oldest = 0, 9, 0, nil
if s then
  live, size = struct.unpack('<d', s), #s
  while pos < size do
    local t, c = struct.unpack('<dd', s, pos)
    if t + window > now then oldest = t break end
    live, pos = live - c, pos + 16
  end
  if not oldest then live = 0 end
end
if live + cost <= limit then
  if live == 0 then oldest = at end
  ok, rem, reset, retry = true, limit - live - cost, oldest + window - now, 0
  if live == 0 then n = struct.pack('<ddd', cost, at, cost)
  else
    local t, c = struct.unpack('<dd', s, size - 15)
    if t >= at then n, at = struct.pack('<d', live + cost) .. string.sub(s, pos, size - 16) .. struct.pack('<dd', t, c + cost), t
    else n = struct.pack('<d', live + cost) .. string.sub(s, pos) .. struct.pack('<dd', at, cost) end
  end
  exp = at + window
else
  local leaving = live + cost - limit
  while true do
    local t, c = struct.unpack('<dd', s, pos)
    leaving = leaving - c
    if leaving <= 0 then retry = t + window - now break end
    pos = pos + 16
  end
  ok, rem, reset = false, 0, retry
end`,
  // Earlier versions: '<total> <at> <count> <at> <count> ...' in one text field; then the total
  // and the pairs (as doubles) in two fields.
  luaUpgrade: `
local total, rest = string.match(v, '^(%S+)(.*)$')
local list = {}
for t, c in string.gmatch(rest, ' (%S+) (%S+)') do list[#list + 1] = struct.pack('<dd', tonumber(t), tonumber(c)) end
v1, v2 = total, table.concat(list)`,
  luaPack: `s = struct.pack('<d', v1 + 0) .. v2`,
};
