/** The counting algorithms a rule can use. See README "Algorithms". */
export type Algorithm = 'fixed-window' | 'sliding-window' | 'gcra';

/**
 * Where one limit stands for one identity, as reported to the caller.
 * All durations are in milliseconds.
 */
export interface LimitStatus {
  /**
   * Hits this limit still admits after this request: 0 when this limit rejects it; when it was
   * admitted (or peeked), what is left once its cost is counted; when another limit rejected it
   * (nothing counted), what is left without it.
   */
  remaining: number;
  /** ms until this limit gives more quota (window reset, oldest hit expiring, next GCRA token). */
  resetMs: number;
  /** ms until a request would be admitted by this limit; 0 when it admits now. */
  retryAfterMs: number;
  /**
   * True when the storage did not read this limit (the identity is blocked in another scope, so the
   * request was answered without it): the other fields mean nothing, and headers leave it out.
   */
  unknown?: boolean;
}

/**
 * One counting algorithm over one key, in TypeScript (for MemoryStorage) and in Lua (a fragment of
 * the Redis script), side by side in the algorithm's file so that both make the same decisions.
 *
 * TypeScript: two steps on a state object the algorithm owns. `check` decides and records nothing
 * (it may drop parts of the state that have expired); `record` is called only when the request is
 * admitted (all-or-nothing), with a cost >= 1. Times are whole-ms timestamps from the storage's
 * clock, `windowMs` a whole number of ms >= 1, `cost` a whole number of hits >= 0 (default 1);
 * reported durations are whole ms, rounded up. A limit of 0, or a cost above the limit, is rejected
 * with `windowMs` (it can never be admitted). Each algorithm's file documents the exact semantics.
 */
export interface WindowAlgorithm<State = unknown> {
  readonly name: Algorithm;
  /** Whether `cost` more hits are admitted now; writes remaining/reset/retry into `status`. */
  check(
    state: State | undefined,
    now: number,
    limit: number,
    windowMs: number,
    status: LimitStatus,
    cost?: number,
  ): boolean;
  /** Records `cost` (>= 1) admitted hits; returns the state to keep (the same object, updated, when it exists). */
  record(state: State | undefined, now: number, limit: number, windowMs: number, cost?: number): State;
  /** The ms timestamp from which the state holds nothing (it can be dropped). */
  expiresAt(state: State, windowMs: number): number;
  /**
   * The same algorithm as a Lua fragment of the Redis scripts (`lib/storage/redis.script.ts` and
   * `redis.plan-script.ts`), run once per limit. Its state is one hash field, `s` (its stored value,
   * a string of little-endian doubles packed with `struct`, or false/nil when absent); the other
   * locals in scope are `now`, `limit` (>= 1), `window` and `cost` (0..limit), whole numbers, `key`
   * (the identity's hash) and, for the sliding window, `field` (the name of the state's field). It
   * sets `ok`, `rem`, `reset`, `retry` (as `check` fills `LimitStatus`) and, when `ok` and
   * `cost > 0`, `n` (the field's new value) and `exp` (the ms timestamp from which the state is dead),
   * as `record` then `expiresAt`. The sliding window may also read more fields of the hash (its
   * chunks) and set `more` (`{ field, value }`, one more field to write) and `gone` (a list of fields
   * to delete): written with `n`, only if the request commits.
   */
  readonly lua: string;
  /**
   * Lua that reads `v`, the state as the first version of the script kept it (one text field), into
   * `v1` and `v2`, the two fields of the second version (numbers as text; the sliding window's pairs
   * packed).
   */
  readonly luaUpgrade: string;
  /** Lua that packs `v1` and `v2` (the second version's two fields) into `s`, this version's state. */
  readonly luaPack: string;
  /**
   * Lua that turns `n` (the new state, as `lua` wrote it, with `more` when it sealed a chunk) into
   * `v1` and `v2`, the second version's two fields: what `RedisStorage({ compatibleWith: '0.1' })`
   * writes, so that instances of 0.1 count in the same state during a rolling upgrade.
   */
  readonly luaUnpack: string;
  /**
   * For a state kept in more fields than its own (the sliding window's chunks): Lua that reads them
   * all into `s` (from `key`; `field` names the state's field) and lists them in `gone`, so that
   * `luaUnpack` sees the whole state. Absent when `s` is the whole state.
   */
  readonly luaFlatten?: string;
}
