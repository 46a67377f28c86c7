/** The counting algorithms a rule can use. See README "Algorithms". */
export type Algorithm = 'fixed-window' | 'sliding-window' | 'gcra';

/**
 * Where one limit stands for one identity, as reported to the caller.
 * All durations are in milliseconds.
 */
export interface LimitStatus {
  /**
   * Hits this limit still admits after this request: 0 when this limit rejects it; when it was
   * admitted (or peeked), what is left once it is counted; when another limit rejected it (nothing
   * counted), what is left without it.
   */
  remaining: number;
  /** ms until this limit gives more quota (window reset, oldest hit expiring, next GCRA token). */
  resetMs: number;
  /** ms until a request would be admitted by this limit; 0 when it admits now. */
  retryAfterMs: number;
}

/**
 * One counting algorithm over one key, as two steps on a state object it owns. `check` decides and
 * records nothing (it may drop parts of the state that have expired); `record` is called only when
 * every limit of the request admitted (all-or-nothing). Times are whole-ms timestamps from the
 * storage's clock, `windowMs` a whole number of ms >= 1; reported durations are whole ms, rounded up.
 * Each algorithm's file documents the exact semantics that every storage must reproduce.
 */
export interface WindowAlgorithm<State = unknown> {
  readonly name: Algorithm;
  /** Whether one more hit is admitted now; writes remaining/reset/retry into `status`. */
  check(state: State | undefined, now: number, limit: number, windowMs: number, status: LimitStatus): boolean;
  /** Records one admitted hit and returns the state to keep (the same object, updated, when it exists). */
  record(state: State | undefined, now: number, limit: number, windowMs: number): State;
  /** The ms timestamp from which the state holds nothing (it can be dropped). */
  expiresAt(state: State, windowMs: number): number;
}
