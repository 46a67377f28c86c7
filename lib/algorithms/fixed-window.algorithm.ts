import type { WindowAlgorithm } from './algorithm.interface.js';
import { neverAdmits, rejectFor } from './limit-status.js';

/** The window of one key. */
export interface FixedWindowState {
  /** Hits admitted in the window. */
  count: number;
  /** ms timestamp at which the window closes. */
  resetAt: number;
}

/**
 * Fixed window opened by the first admitted hit (asgi-ratelimit's Redis backend). Exact semantics,
 * which every storage reproduces (the Lua below is the Redis script's):
 *
 * - The window is open while `now < resetAt`. A request admitted when no window is open opens one:
 *   `count = cost`, `resetAt = now + windowMs`; one admitted in an open window adds `cost` to `count`.
 * - Admitted iff `limit > 0`, `cost <= limit` and `count + cost <= limit` (`count` 0 when no window
 *   is open). A cost of 0 records nothing (it opens no window).
 * - `remaining` = `limit - count - cost` after this request. `resetMs` = `resetAt - now`
 *   (`windowMs` when no window is open).
 * - Rejected: `retryAfterMs = resetMs = resetAt - now` (>= 1 ms with whole-ms times). A limit of 0
 *   or a cost above the limit rejects with `windowMs`, whatever the state.
 * - The state can be dropped from `resetAt`. Stored in Redis as one field: `count` and `resetAt` packed.
 */
export const fixedWindow: WindowAlgorithm<FixedWindowState> = {
  name: 'fixed-window',

  check(state, now, limit, windowMs, status, cost = 1) {
    if (neverAdmits(limit, cost)) return rejectFor(status, windowMs);
    const open = state !== undefined && now < state.resetAt;
    const resetMs = open ? Math.ceil(state.resetAt - now) : windowMs;
    const count = open ? state.count : 0;
    if (count + cost > limit) return rejectFor(status, resetMs);
    status.remaining = limit - count - cost;
    status.resetMs = resetMs;
    status.retryAfterMs = 0;
    return true;
  },

  record(state, now, _limit, windowMs, cost = 1) {
    if (state === undefined) return { count: cost, resetAt: now + windowMs };
    if (now >= state.resetAt) {
      state.count = cost;
      state.resetAt = now + windowMs;
    } else {
      state.count += cost;
    }
    return state;
  },

  expiresAt(state) {
    return state.resetAt;
  },

  // s = count, resetAt as two little-endian doubles.
  lua: `
local count, resetAt = 0, 0
if s then count, resetAt = struct.unpack('<dd', s) end
if now < resetAt then reset = resetAt - now else count, resetAt, reset = 0, now + window, window end
if count + cost <= limit then
  ok, rem, retry = true, limit - count - cost, 0
  n, exp = struct.pack('<dd', count + cost, resetAt), resetAt
else
  ok, rem, retry = false, 0, reset
end`,
  luaUpgrade: `v1, v2 = string.match(v, '^(%S+) (%S+)$')`,
  luaPack: `s = struct.pack('<dd', v1 + 0, v2 + 0)`,
  luaUnpack: `v1, v2 = struct.unpack('<dd', n)`,
};
