import type { WindowAlgorithm } from './algorithm.interface.js';
import { neverAdmits, rejectFor } from './limit-status.js';

/**
 * The theoretical arrival time (TAT) of one key: `tat + rest / limit` ms, the time at which the
 * bucket is full again. Kept as two integers so that every storage computes it without rounding.
 */
export interface GcraState {
  /** Whole ms part of the TAT (ms timestamp). */
  tat: number;
  /** Fractional part of the TAT in 1/limit ms: an integer in `[0, limit)`. */
  rest: number;
}

/** The TAT after `cost` more hits: `max(TAT, now) + cost * windowMs / limit`, in `GcraState` form. */
function nextArrival(
  state: GcraState | undefined,
  now: number,
  limit: number,
  windowMs: number,
  cost: number,
  out: GcraState,
): void {
  let tat = now;
  let rest = 0;
  if (state !== undefined && state.tat >= now) {
    tat = state.tat;
    rest = state.rest;
    // A rest from a different limit (the rule changed) is rounded up to the next whole ms.
    if (rest >= limit) {
      tat++;
      rest = 0;
    }
  }
  const step = Math.floor(windowMs / limit);
  rest += (windowMs - step * limit) * cost;
  tat += step * cost;
  if (rest >= limit) {
    const carry = Math.floor(rest / limit);
    rest -= carry * limit;
    tat += carry;
  }
  out.tat = tat;
  out.rest = rest;
}

const scratch: GcraState = { tat: 0, rest: 0 };

/**
 * Generic Cell Rate Algorithm: a token bucket of `limit` tokens refilled at one token per
 * `windowMs / limit` ms, kept as one theoretical arrival time (TAT) per key. From idle it admits a
 * burst of `limit` hits, then one hit per `windowMs / limit`. Exact semantics, which every storage
 * reproduces (the Lua below is the Redis script's); `now` and `windowMs` are whole ms:
 *
 * - `interval = windowMs / limit` = `step + extra / limit` with `step = floor(windowMs / limit)`,
 *   `extra = windowMs - step * limit`. The TAT is `tat + rest / limit` (integers, `0 <= rest < limit`).
 * - Next TAT for `cost` hits at `now`: start from `(tat, rest)` if `tat >= now`, else from `(now, 0)`;
 *   add `step * cost` to `tat` and `extra * cost` to `rest`; carry whole ms from `rest` into `tat`.
 *   (A stored `rest >= limit`, left by a different limit, first becomes `(tat + 1, 0)`.)
 * - `over = next.tat - now - windowMs`. Admitted iff `limit > 0`, `cost <= limit` and (`over < 0`, or
 *   `over == 0` and `next.rest == 0`), i.e. next TAT - now <= windowMs. Admitting stores the next TAT
 *   (a cost of 0 stores nothing).
 * - Admitted: `free = (windowMs - next.tat + now) * limit - next.rest` (>= 0, in 1/limit ms),
 *   `remaining = floor(free / windowMs)`, `resetMs = ceil(((remaining + 1) * windowMs - free) / limit)`:
 *   the ms until one more hit fits (the next token).
 * - Rejected: `retryAfterMs = resetMs = over + (next.rest > 0 ? 1 : 0)` (>= 1): at `now + retryAfterMs`
 *   the request is admitted. A limit of 0 or a cost above the limit rejects with `windowMs`.
 * - The state is idle (can be dropped) from `tat + (rest > 0 ? 1 : 0)`. Stored in Redis as one field: `tat` and `rest` packed.
 *
 * Integer arithmetic is exact while `windowMs * limit < 2^53` (a month with limit 3,000,000).
 */
export const gcra: WindowAlgorithm<GcraState> = {
  name: 'gcra',

  check(state, now, limit, windowMs, status, cost = 1) {
    if (neverAdmits(limit, cost)) return rejectFor(status, windowMs);
    nextArrival(state, now, limit, windowMs, cost, scratch);
    const over = scratch.tat - now - windowMs;
    if (over > 0 || (over === 0 && scratch.rest > 0)) return rejectFor(status, over + (scratch.rest > 0 ? 1 : 0));
    const free = (windowMs - scratch.tat + now) * limit - scratch.rest;
    const remaining = Math.floor(free / windowMs);
    status.remaining = remaining;
    status.resetMs = Math.ceil(((remaining + 1) * windowMs - free) / limit);
    status.retryAfterMs = 0;
    return true;
  },

  record(state, now, limit, windowMs, cost = 1) {
    const next = state ?? { tat: 0, rest: 0 };
    nextArrival(state, now, limit, windowMs, cost, next);
    return next;
  },

  expiresAt(state) {
    return state.rest > 0 ? state.tat + 1 : state.tat;
  },

  // s = tat, rest as two little-endian doubles.
  lua: `
local tat, rest = now, 0
if s then
  local t, r = struct.unpack('<dd', s)
  if t >= now then
    tat, rest = t, r
    if rest >= limit then tat, rest = tat + 1, 0 end
  end
end
local step = math.floor(window / limit)
rest = rest + (window - step * limit) * cost
tat = tat + step * cost
if rest >= limit then
  local carry = math.floor(rest / limit)
  tat, rest = tat + carry, rest - carry * limit
end
local over = tat - now - window
if over < 0 or (over == 0 and rest == 0) then
  local free = (window - tat + now) * limit - rest
  rem = math.floor(free / window)
  ok, reset, retry = true, math.ceil(((rem + 1) * window - free) / limit), 0
  n, exp = struct.pack('<dd', tat, rest), tat
  if rest > 0 then exp = tat + 1 end
else
  if rest > 0 then over = over + 1 end
  ok, rem, reset, retry = false, 0, over, over
end`,
  luaUpgrade: `v1, v2 = string.match(v, '^(%S+) (%S+)$')`,
  luaPack: `s = struct.pack('<dd', v1 + 0, v2 + 0)`,
  luaUnpack: `v1, v2 = struct.unpack('<dd', n)`,
};
