import { WINDOW_ALGORITHMS, type LimitStatus } from '../algorithms/index.js';
import type { ConsumeRequest, ConsumeResult, RateLimitStorage } from './rate-limit-storage.interface.js';

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
    const { identityKey, limits, blocks } = request;
    const entry = this.entries.get(identityKey);
    const statuses: LimitStatus[] = new Array(limits.length);

    if (entry !== undefined) {
      let blockedUntil = 0;
      for (const scope of blocks) {
        const block = entry.states[scope.key] as BlockState | undefined;
        if (block !== undefined && block.until > blockedUntil) blockedUntil = block.until;
      }
      if (blockedUntil > now) {
        const wait = Math.ceil(blockedUntil - now);
        for (let i = 0; i < limits.length; i++) statuses[i] = { remaining: 0, resetMs: wait, retryAfterMs: wait };
        return { allowed: false, retryAfterMs: wait, blocked: true, limits: statuses };
      }
    }

    let allowed = true;
    let retryAfterMs = 0;
    for (let i = 0; i < limits.length; i++) {
      const limit = limits[i];
      const status: LimitStatus = { remaining: 0, resetMs: 0, retryAfterMs: 0 };
      statuses[i] = status;
      const state = entry?.states[limit.key];
      if (!WINDOW_ALGORITHMS[limit.algorithm].check(state, now, limit.limit, limit.windowMs, status) && !limit.shadow) {
        allowed = false;
        if (status.retryAfterMs > retryAfterMs) retryAfterMs = status.retryAfterMs;
      }
    }
    if (!allowed) {
      // Nothing is counted: a limit that admitted the hit keeps it in its remaining quota.
      for (const status of statuses) if (status.retryAfterMs === 0) status.remaining++;
    }
    if (request.peek) return { allowed, retryAfterMs, blocked: false, limits: statuses };

    if (allowed) {
      const target = entry ?? this.createEntry(identityKey);
      for (let i = 0; i < limits.length; i++) {
        const limit = limits[i];
        if (limit.shadow && statuses[i].retryAfterMs > 0) continue; // a full shadow limit records nothing
        const algorithm = WINDOW_ALGORITHMS[limit.algorithm];
        const state = algorithm.record(target.states[limit.key], now, limit.limit, limit.windowMs);
        target.states[limit.key] = state;
        const expiresAt = algorithm.expiresAt(state, limit.windowMs);
        if (expiresAt > target.expiresAt) target.expiresAt = expiresAt;
      }
      return { allowed, retryAfterMs, blocked: false, limits: statuses };
    }

    // Rejected: each rejecting limit with a block time blocks its scope.
    let blocked = false;
    for (let i = 0; i < limits.length; i++) {
      const scope = blocks[limits[i].block];
      if (statuses[i].retryAfterMs === 0 || scope.durationMs <= 0 || limits[i].shadow) continue;
      const target = entry ?? this.entries.get(identityKey) ?? this.createEntry(identityKey);
      const until = now + scope.durationMs;
      target.states[scope.key] = { until } satisfies BlockState;
      if (until > target.expiresAt) target.expiresAt = until;
      if (scope.durationMs > retryAfterMs) retryAfterMs = scope.durationMs;
      blocked = true;
    }
    return { allowed, retryAfterMs, blocked, limits: statuses };
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
