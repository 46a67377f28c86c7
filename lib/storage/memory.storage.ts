import { WINDOW_ALGORITHMS, type LimitStatus } from '../algorithms/index.js';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import { rejectFor } from '../algorithms/limit-status.js';
import { blockedResult } from './blocked-result.js';
import type { ConsumeRequest, ConsumeResult, LimitCheck, RateLimitStorage } from './rate-limit-storage.interface.js';

/** Options of `MemoryStorage`. */
export interface MemoryStorageOptions {
  /** Current time in ms; defaults to `Date.now`. Inject a fake clock in tests. */
  clock?: () => number;
  /**
   * Most identities held at once; beyond it the least recently used identity is forgotten (its
   * counters and blocks). Default 1,000,000 (about 200 MB at 200 bytes per identity).
   */
  maxIdentities?: number;
  /**
   * ms between two steps of the idle reclaim, which examines up to 10,000 identities for expired
   * state per step, so memory is given back without traffic. Default 1000. One unref'd timer,
   * running only while identities are held; `close()` (or the module's shutdown) stops it.
   */
  reclaimIntervalMs?: number;
}

/** Default `maxIdentities`. */
const MAX_IDENTITIES = 1_000_000;
/** Least recently used identities examined for expiry per `consume` call (stopping at a live one). */
const RECLAIM_PER_CALL = 4;
/** Identities examined per step of the idle reclaim timer. */
const RECLAIM_PER_STEP = 10_000;

interface BlockState {
  until: number;
}

/**
 * All state of one identity, dropped as a whole once every part of it has expired, and a node of
 * the least-recently-used list (a doubly linked list: moving or dropping a node is O(1)). The state
 * per counter or block key lives on the entry itself, one object less per identity than a separate
 * record (about 40 bytes); keys built by the rule compiler start with `:`, so they never collide
 * with the fields below nor name an `Object.prototype` member.
 */
class IdentityEntry {
  [stateKey: string]: unknown;
  /**
   * Second from which nothing in the entry matters any more: the ms timestamp / 1000, rounded up.
   * Whole seconds stay small integers, which V8 stores in the field itself; a ms timestamp would
   * need a 16-byte heap number per identity.
   */
  expiresAtSecond = 0;
  /** Neighbour used less recently, `undefined` for the least recently used entry. */
  older: IdentityEntry | undefined = undefined;
  /** Neighbour used more recently, `undefined` for the most recently used entry. */
  newer: IdentityEntry | undefined = undefined;

  constructor(readonly identityKey: string) {}
}

/**
 * The default storage: counters in this process's memory. Exact for one process (every
 * `consume` is synchronous, hence atomic); use `RedisStorage` to share limits between instances.
 * Bounded: at most `maxIdentities` identities (least recently used forgotten first, O(1) per
 * request); expired identities are reclaimed a few per request and, without traffic, by one
 * unref'd timer. No timer per hit.
 */
export class MemoryStorage implements RateLimitStorage {
  private readonly entries = new Map<string, IdentityEntry>();
  private readonly clock: () => number;
  private readonly maxIdentities: number;
  private readonly reclaimIntervalMs: number;
  /** Ends of the least-recently-used list. */
  private oldest: IdentityEntry | undefined = undefined;
  private newest: IdentityEntry | undefined = undefined;
  /**
   * Where the idle reclaim goes on, between two of its steps. Created by a step, not before: a Map
   * keeps every table it outgrew while an iterator still points at one (it moves on at its next step).
   */
  private reclaimer: Iterator<IdentityEntry> | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(options: MemoryStorageOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.maxIdentities = wholeOption(options.maxIdentities, 'maxIdentities', MAX_IDENTITIES);
    this.reclaimIntervalMs = wholeOption(options.reclaimIntervalMs, 'reclaimIntervalMs', 1000);
  }

  /** Number of identities with state (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  consume(request: ConsumeRequest): ConsumeResult {
    const now = this.clock();
    this.reclaimOldest(now);
    const { identityKey, limits, blocks, costs } = request;
    const entry = this.use(identityKey);

    if (entry !== undefined) {
      let leftMs: number[] | undefined;
      for (let j = 0; j < blocks.length; j++) {
        const block = entry[blocks[j].key] as BlockState | undefined;
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
      const state = entry?.[limit.key];
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
      let until = 0; // the last expiry of what is recorded
      for (let i = 0; i < limits.length; i++) {
        if (!records(costs, statuses, i) || recordedLater(limits, costs, statuses, i)) continue;
        const cost = costs === undefined ? 1 : costs[i];
        const limit = limits[i];
        const algorithm = WINDOW_ALGORITHMS[limit.algorithm];
        target ??= this.createEntry(identityKey);
        const known = target[limit.key];
        const state = algorithm.record(known, now, limit.limit, limit.windowMs, cost);
        if (state !== known) target[limit.key] = state; // else updated in place
        const expiresAt = algorithm.expiresAt(state, limit.windowMs);
        if (expiresAt > until) until = expiresAt;
      }
      if (target !== undefined) keepUntil(target, until);
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
      target[scope.key] = { until } satisfies BlockState;
      keepUntil(target, until);
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
    const entry = this.entries.get(identityKey);
    if (entry !== undefined) this.drop(entry);
  }

  /** Drops every expired identity now (normally done a few per request and by the idle reclaim). */
  sweepAll(): void {
    const now = this.clock();
    for (const entry of [...this.entries.values()]) if (expired(entry, now)) this.drop(entry);
  }

  /** Stops the idle reclaim timer (a later call that stores an identity starts it again). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.reclaimer = undefined;
  }

  /** Called by Nest when the module that holds this storage shuts down: `close()`. */
  onModuleDestroy(): void {
    this.close();
  }

  /** The identity's entry, now the most recently used, or `undefined`. */
  private use(identityKey: string): IdentityEntry | undefined {
    const entry = this.entries.get(identityKey);
    if (entry !== undefined && entry !== this.newest) {
      this.unlink(entry);
      this.link(entry);
    }
    return entry;
  }

  private createEntry(identityKey: string): IdentityEntry {
    if (this.entries.size >= this.maxIdentities) this.drop(this.oldest!);
    const entry = new IdentityEntry(identityKey);
    this.entries.set(identityKey, entry);
    this.link(entry);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.reclaimStep(), this.reclaimIntervalMs);
      this.timer.unref();
    }
    return entry;
  }

  /** Drops the least recently used identities while they have expired, up to `RECLAIM_PER_CALL`. */
  private reclaimOldest(now: number): void {
    for (let i = 0; i < RECLAIM_PER_CALL; i++) {
      const oldest = this.oldest;
      if (oldest === undefined || !expired(oldest, now)) return;
      this.drop(oldest);
    }
  }

  /** One step of the idle reclaim: examines up to `RECLAIM_PER_STEP` identities, continuing where the last step stopped. */
  private reclaimStep(): void {
    const now = this.clock();
    const steps = Math.min(RECLAIM_PER_STEP, this.entries.size);
    for (let i = 0; i < steps; i++) {
      let next = this.reclaimer?.next();
      if (next === undefined || next.done) {
        this.reclaimer = this.entries.values();
        next = this.reclaimer.next();
      }
      if (expired(next.value, now)) this.drop(next.value);
    }
    if (this.entries.size === 0) this.close();
  }

  private drop(entry: IdentityEntry): void {
    this.entries.delete(entry.identityKey);
    this.unlink(entry);
  }

  /** Makes `entry` (not in the list) the most recently used. */
  private link(entry: IdentityEntry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest === undefined) this.oldest = entry;
    else this.newest.newer = entry;
    this.newest = entry;
  }

  private unlink(entry: IdentityEntry): void {
    const { older, newer } = entry;
    if (older === undefined) this.oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.newest = older;
    else newer.older = older;
    entry.older = entry.newer = undefined;
  }
}

/** Keeps `entry` at least until the ms timestamp `until`. */
function keepUntil(entry: IdentityEntry, until: number): void {
  const second = Math.ceil(until / 1000);
  if (second > entry.expiresAtSecond) entry.expiresAtSecond = second;
}

/** True when nothing in `entry` matters at the ms timestamp `now`. */
const expired = (entry: IdentityEntry, now: number): boolean => entry.expiresAtSecond * 1000 <= now;

function wholeOption(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (Number.isInteger(value) && value >= 1) return value;
  throw new InvalidRateLimitConfigError(
    `Invalid MemoryStorage option "${name}": ${String(value)} is not a whole number >= 1.`,
  );
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
