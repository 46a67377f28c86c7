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

/** Pairs of the Redis state's tail beyond which all but the newest become a sealed chunk field. */
const SLIDING_WINDOW_CHUNK_PAIRS = 32;

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
 * - The state can be dropped from the newest pair's `at + windowMs`. Stored in Redis as one field
 *   (`total` and the pairs as little-endian doubles) while the log is short; a longer log keeps its
 *   oldest pairs (the head) and newest (the tail) in that field and the pairs between in chunk fields
 *   of 32 pairs, so a hit copies a few hundred bytes, not the whole log (up to 16 KB), in and out of
 *   Lua. A chunk is read when the head runs out, or when a rejection's retry time lies in it.
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

  // s = a header (total, sealed, first, nHead), `sealed` x (lastAt, sum) of the sealed chunks, the
  // head's nHead pairs, then the tail's pairs, all little-endian doubles; sealed chunk i (from
  // `first` on) is the field `<key>#c<i>`. In time order the log is head, chunks, tail; a hit reads
  // one field, and one chunk when the head runs out (see "Stored in Redis" above).
  lua: `
local b = 1
if limit > ${SLIDING_WINDOW_EXACT_LIMIT} then b = math.max(1, math.ceil(window / ${SLIDING_WINDOW_BUCKETS})) end
local at = math.ceil(now / b) * b
-- h[hp, he): the head (in s, or a chunk read in); s[mp, ...): the meta of the sealed chunks; s[ts, #s]: the tail.
local live, oldest, h, hp, he, ts, mp, sealed, first = 0, nil, s, 0, 0, 1, 33, 0, 0
if s then
  local nHead
  live, sealed, first, nHead = struct.unpack('<dddd', s)
  hp = 33 + 16 * sealed
  he, ts = hp + 16 * nHead, hp + 16 * nHead
  while true do
    if hp < he then
      local t, c = struct.unpack('<dd', h, hp)
      if t + window > now then oldest = t break end
      live, hp = live - c, hp + 16
    elseif sealed > 0 then
      local lastAt, sum = struct.unpack('<dd', s, mp)
      local name = string.sub(field, 1, -2) .. 'c' .. first
      gone = gone or {}
      gone[#gone + 1] = name
      mp, sealed, first = mp + 16, sealed - 1, first + 1
      local chunk = lastAt + window > now and redis.call('HGET', key, name)
      if chunk then h, hp, he = chunk, 1, #chunk + 1 else live = live - sum end
    elseif ts <= #s then
      h, hp, he, ts = s, ts, #s + 1, #s + 1
    else break end
  end
  if not oldest then live = 0 end
end
if live + cost <= limit then
  if live == 0 then oldest = at end
  ok, rem, reset, retry = true, limit - live - cost, oldest + window - now, 0
  if live == 0 then n = struct.pack('<dddddd', cost, 0, first, 1, at, cost)
  else
    -- The newest pair is the last of s (the tail's, or the head's when the tail is empty). The
    -- log is then head .. s[hp, cut] .. pair, its first nHead pairs the head.
    local t, c = struct.unpack('<dd', s, #s - 15)
    local pair, cut, nHead, head = nil, -1, (he - hp) / 16, ''
    if t >= at then at, pair, cut = t, struct.pack('<dd', t, c + cost), -17 else pair = struct.pack('<dd', at, cost) end
    if h ~= s then head, hp = string.sub(h, hp, he - 1), ts end
    local metas = string.sub(s, mp, mp + 16 * sealed - 1)
    if #head + #s + cut + 18 - hp - 16 * nHead > ${16 * SLIDING_WINDOW_CHUNK_PAIRS} then
      -- The tail but its newest pair becomes a sealed chunk.
      local log = head .. string.sub(s, hp, cut)
      local chunk, sum, last = string.sub(log, 16 * nHead + 1), 0, 0
      for p = 1, #chunk, 16 do
        local t, c = struct.unpack('<dd', chunk, p)
        sum, last = sum + c, t
      end
      more = { string.sub(field, 1, -2) .. 'c' .. (first + sealed), chunk }
      metas, sealed, head, hp, cut = metas .. struct.pack('<dd', last, sum), sealed + 1, string.sub(log, 1, 16 * nHead), 1, 0
    end
    n = struct.pack('<dddd', live + cost, sealed, first, nHead) .. metas .. head .. string.sub(s, hp, cut) .. pair
  end
  exp = at + window
else
  local leaving = live + cost - limit
  while true do
    if hp < he then
      local t, c = struct.unpack('<dd', h, hp)
      leaving = leaving - c
      if leaving <= 0 then retry = t + window - now break end
      hp = hp + 16
    elseif sealed > 0 then
      local _, sum = struct.unpack('<dd', s, mp)
      local chunk = leaving <= sum and redis.call('HGET', key, string.sub(field, 1, -2) .. 'c' .. first)
      if chunk then h, hp, he = chunk, 1, #chunk + 1 else leaving = leaving - sum end
      mp, sealed, first = mp + 16, sealed - 1, first + 1
    elseif ts <= #s then
      h, hp, he, ts = s, ts, #s + 1, #s + 1
    else
      retry = window
      break
    end
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
  luaPack: `s = struct.pack('<dddd', v1 + 0, 0, 0, #v2 / 16) .. v2`,
  // The log is head, the chunk this hit sealed (`more`), if any, tail.
  luaUnpack: `
local total, sealed, _, nHead = struct.unpack('<dddd', n)
v1, v2 = total, string.sub(n, 33 + 16 * sealed)
if more then v2 = string.sub(v2, 1, 16 * nHead) .. more[2] .. string.sub(v2, 16 * nHead + 1) end`,
  // Head, the sealed chunks (a missing one's hits are dead: its sum leaves the total), tail.
  luaFlatten: `
local total, sealed, first, nHead = struct.unpack('<dddd', s)
if sealed > 0 then
  gone = {}
  for c = 1, sealed do gone[c] = string.sub(field, 1, -2) .. 'c' .. (first + c - 1) end
  local chunks = redis.call('HMGET', key, unpack(gone))
  local ts = 33 + 16 * (sealed + nHead)
  local log = { string.sub(s, 33 + 16 * sealed, ts - 1) }
  for c = 1, sealed do
    if chunks[c] then log[#log + 1] = chunks[c]
    else total = total - struct.unpack('<d', s, 25 + 16 * c) end
  end
  log[#log + 1] = string.sub(s, ts)
  local pairs = table.concat(log)
  s = struct.pack('<dddd', total, 0, 0, #pairs / 16) .. pairs
end`,
};
