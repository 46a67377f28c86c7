import { WINDOW_ALGORITHMS, type LimitStatus } from '../algorithms/index.js';
import { rejectFor } from '../algorithms/limit-status.js';
import { blockedResult } from './blocked-result.js';
import type { ConsumeRequest, ConsumeResult, LimitCheck, RateLimitStorage } from './rate-limit-storage.interface.js';

/** Options of `MemoryStorage`. */
export interface MemoryStorageOptions {
  /** Current time in ms; defaults to `Date.now`. Inject a fake clock in tests. */
  clock?: () => number;
}

interface BlockState {
  until: number;
}

/** All state of one identity, dropped as a whole once every part of it has expired. */
interface IdentityEntry {
  identityKey: string;
  /**
   * State per counter or block key. A plain object: ~40 bytes less per key than a Map (V8 keeps it in
   * fast mode, which a null-prototype object is not). Keys built by the rule compiler start with `:`, so
   * they never name an `Object.prototype` member.
   */
  states: Record<string, unknown>;
  /** ms timestamp after which nothing in `states` matters any more. */
  expiresAt: number;
}

/** Entries examined for expiry per `consume` call: reclaiming memory costs O(1) per request. */
const SWEEP_STEPS = 4;

/**
 * The default storage: counters in this process's memory. Exact for one process (every
 * `consume` is synchronous, hence atomic); use `RedisStorage` to share limits between instances.
 * Starts no timers: expired identities are reclaimed a few at a time as requests arrive.
 */
export class MemoryStorage implements RateLimitStorage {
  private readonly entries = new Map<string, IdentityEntry>();
  private readonly clock: () => number;
  private sweeper: Iterator<IdentityEntry> = this.entries.values();

  constructor(options: MemoryStorageOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  /** Number of identities with live state (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  consume(request: ConsumeRequest): ConsumeResult {
    const now = this.clock();
    this.sweep(now, SWEEP_STEPS);
    const { identityKey, limits, blocks, costs } = request;
    const entry = this.entries.get(identityKey);

    if (entry !== undefined) {
      let leftMs: number[] | undefined;
      for (let j = 0; j < blocks.length; j++) {
        const block = entry.states[blocks[j].key] as BlockState | undefined;
        if (block === undefined || block.until <= now) continue;
        leftMs ??= new Array<number>(blocks.length).fill(0);
        leftMs[j] = Math.ceil(block.until - now);
      }
      if (leftMs !== undefined) return blockedResult(limits, leftMs);
    }

    const statuses: LimitStatus[] = new Array(limits.length);
    let allowed = true;
    let retryAfterMs = 0;
    for (let i = 0; i < limits.length; i++) {
      const limit = limits[i];
      const status: LimitStatus = { remaining: 0, resetMs: 0, retryAfterMs: 0 };
      statuses[i] = status;
      const state = entry?.states[limit.key];
      const cost = costs === undefined ? 1 : costs[i];
      if (!WINDOW_ALGORITHMS[limit.algorithm].check(state, now, limit.limit, limit.windowMs, status, cost)) {
        if (limit.shadow) continue; // reported, never rejecting
        allowed = false;
        if (status.retryAfterMs > retryAfterMs) retryAfterMs = status.retryAfterMs;
      }
    }
    if (!allowed) {
      // Nothing is counted: a limit that admitted the request keeps its cost in its remaining quota.
      for (let i = 0; i < limits.length; i++) {
        if (statuses[i].retryAfterMs === 0) statuses[i].remaining += costs === undefined ? 1 : costs[i];
      }
    }
    if (request.peek) return { allowed, retryAfterMs, blocked: false, limits: statuses };

    if (allowed) {
      // Every limit that admitted records the cost (a shadow limit without room records nothing); a
      // key named twice records once, as its last recording occurrence (as the Redis script does).
      let target = entry;
      for (let i = 0; i < limits.length; i++) {
        if (!records(costs, statuses, i) || recordedLater(limits, costs, statuses, i)) continue;
        const cost = costs === undefined ? 1 : costs[i];
        const limit = limits[i];
        const algorithm = WINDOW_ALGORITHMS[limit.algorithm];
        target ??= this.createEntry(identityKey);
        const state = algorithm.record(target.states[limit.key], now, limit.limit, limit.windowMs, cost);
        target.states[limit.key] = state;
        const expiresAt = algorithm.expiresAt(state, limit.windowMs);
        if (expiresAt > target.expiresAt) target.expiresAt = expiresAt;
      }
      return { allowed, retryAfterMs, blocked: false, limits: statuses };
    }

    // Rejected: each rejecting (not shadow) limit with a block time blocks its scope, and every
    // limit of a blocked scope then has no quota until the block ends.
    let blockedScopes: boolean[] | undefined;
    for (let i = 0; i < limits.length; i++) {
      const limit = limits[i];
      const scope = blocks[limit.block];
      if (statuses[i].retryAfterMs === 0 || limit.shadow || scope.durationMs <= 0) continue;
      const target = entry ?? this.entries.get(identityKey) ?? this.createEntry(identityKey);
      const until = now + scope.durationMs;
      target.states[scope.key] = { until } satisfies BlockState;
      if (until > target.expiresAt) target.expiresAt = until;
      if (scope.durationMs > retryAfterMs) retryAfterMs = scope.durationMs;
      (blockedScopes ??= [])[limit.block] = true;
    }
    if (blockedScopes === undefined) return { allowed, retryAfterMs, blocked: false, limits: statuses };
    for (let i = 0; i < limits.length; i++) {
      const block = limits[i].block;
      if (blockedScopes[block]) rejectFor(statuses[i], blocks[block].durationMs);
    }
    return { allowed, retryAfterMs, blocked: true, limits: statuses };
  }

  reset(identityKey: string): void {
    this.entries.delete(identityKey);
  }

  /** Drops every expired identity now (normally done a few entries per request). */
  sweepAll(): void {
    this.sweep(this.clock(), this.entries.size);
  }

  private createEntry(identityKey: string): IdentityEntry {
    const entry: IdentityEntry = { identityKey, states: {}, expiresAt: 0 };
    this.entries.set(identityKey, entry);
    return entry;
  }

  /** Examines up to `steps` entries, continuing where the previous call stopped. */
  private sweep(now: number, steps: number): void {
    for (let i = 0; i < steps; i++) {
      let next = this.sweeper.next();
      if (next.done) {
        this.sweeper = this.entries.values();
        next = this.sweeper.next();
        if (next.done) return;
      }
      const entry = next.value;
      if (entry.expiresAt <= now) this.entries.delete(entry.identityKey);
    }
  }
}

/** Whether limit `i` of an admitted request records its cost: it admitted, with a cost above 0. */
function records(costs: readonly number[] | undefined, statuses: readonly LimitStatus[], i: number): boolean {
  return statuses[i].retryAfterMs === 0 && (costs === undefined || costs[i] > 0);
}

/** Whether a later limit of the request records on the same key as limit `i` (then it alone does). */
function recordedLater(
  limits: readonly LimitCheck[],
  costs: readonly number[] | undefined,
  statuses: readonly LimitStatus[],
  i: number,
): boolean {
  for (let j = i + 1; j < limits.length; j++) {
    if (limits[j].key === limits[i].key && records(costs, statuses, j)) return true;
  }
  return false;
}
