import { Logger, ServiceUnavailableException, type OnModuleDestroy } from '@nestjs/common';
import type { LimitStatus } from '../algorithms/algorithm.interface.js';
import { isPromise } from '../utils/maybe-promise.js';
import { DeadlineQueue } from './deadline-queue.js';
import { MemoryStorage } from './memory.storage.js';
import type { ConsumeRequest, ConsumeResult, RateLimitStorage } from './rate-limit-storage.interface.js';

/** The values of the `onStorageError` option. */
export const STORAGE_ERROR_POLICIES = ['fallback', 'allow', 'deny'] as const;

/** What happens to a request when the storage fails or times out. */
export type StorageErrorPolicy = (typeof STORAGE_ERROR_POLICIES)[number];

/**
 * Hears what happens to the storage a `ResilientStorage` wraps (the module's metrics). Called
 * synchronously, never per request while the storage is down (only its probes reach it).
 */
export interface StorageObserver {
  /** A call to the storage settled (answered, failed or timed out) after `seconds`. */
  settled(seconds: number): void;
  /** A call to the storage failed or exceeded the timeout. */
  failed(error: unknown): void;
  /** The storage went down (`true`: requests answered by the policy) or answers again (`false`). */
  fallback(down: boolean): void;
}

/** What `ResilientStorage.check` found. */
export interface StorageCheck {
  /** True when the storage answered the check. */
  up: boolean;
  /** True while requests are answered by the policy instead of the storage (after this check). */
  fallback: boolean;
  /** Why the check failed, when it did. */
  error?: string;
}

/** Options of `ResilientStorage`. */
export interface ResilientStorageOptions {
  /** What requests get while the storage fails: see `RateLimitModuleOptions.onStorageError`. */
  policy: StorageErrorPolicy;
  /** ms a storage call may take before it counts as failed. Default: no timeout. */
  timeoutMs?: number;
  /** ms between two probes of a failing storage (one request at a time). Default 1000. */
  retryIntervalMs?: number;
  /** Where requests are counted while the storage fails, with `policy: 'fallback'`. Default a new `MemoryStorage`. */
  fallback?: RateLimitStorage;
  /** Where the outage and recovery are reported (once each, at warn). Default Nest's `Logger` ('RateLimitModule'). */
  logger?: Pick<Logger, 'warn'>;
  /** Told of every storage call's duration, failures, and outages (metrics). Default none. */
  observer?: StorageObserver;
}

const POLICY_TEXT: Record<StorageErrorPolicy, string> = {
  fallback: 'counting in this process (MemoryStorage)',
  allow: 'admitting every request',
  deny: 'rejecting every request with 503',
};

const unavailable = () =>
  new ServiceUnavailableException(
    'Rate limiting is unavailable: its storage does not answer (onStorageError: deny). Try again later.',
  );

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The question `check` asks: a peek at one block field of an identity no user can have (user ids are
 * escaped, `:` never appears raw inside the braces), so it reads one key and writes nothing.
 */
const CHECK_REQUEST = (identityKey: string): ConsumeRequest => ({
  identityKey,
  limits: [],
  blocks: [{ key: ':health', durationMs: 0 }],
  peek: true,
});

/**
 * Keeps rate limiting up when its storage is not: `RateLimitModule` wraps every storage but
 * `MemoryStorage` in it. A call that fails or exceeds the timeout is answered by the policy, and
 * the storage is then considered down: requests go straight to the policy (no waiting, no pile-up)
 * while one request at a time probes the storage every `retryIntervalMs`; the first probe that
 * succeeds brings everything back to it. Outage and recovery are logged once each.
 */
export class ResilientStorage implements RateLimitStorage, OnModuleDestroy {
  private readonly policy: StorageErrorPolicy;
  private readonly retryIntervalMs: number;
  private readonly fallback: RateLimitStorage;
  private readonly logger: Pick<Logger, 'warn'>;
  private readonly observer?: StorageObserver;
  private readonly deadlines?: DeadlineQueue;
  private down = false;
  private probing = false;
  private nextProbeAt = 0;

  constructor(
    readonly storage: RateLimitStorage,
    options: ResilientStorageOptions,
  ) {
    this.policy = options.policy;
    this.retryIntervalMs = options.retryIntervalMs ?? 1000;
    this.fallback = options.fallback ?? new MemoryStorage();
    this.logger = options.logger ?? new Logger('RateLimitModule');
    this.observer = options.observer;
    const { timeoutMs } = options;
    if (timeoutMs !== undefined) {
      this.deadlines = new DeadlineQueue(
        timeoutMs,
        () => new Error(`the storage did not answer within ${timeoutMs} ms (storageTimeout)`),
      );
    }
  }

  /** True while the storage is considered down (requests answered by the policy). */
  get failing(): boolean {
    return this.down;
  }

  /** What requests get while the storage is down. */
  get onStorageError(): StorageErrorPolicy {
    return this.policy;
  }

  /**
   * Asks the storage one read-only question now, whatever its state, waiting at most `timeoutMs`
   * (the health indicator). Its outcome counts like a request's: a failure starts an outage, an
   * answer during one ends it.
   */
  async check(identityKey: string, timeoutMs: number): Promise<StorageCheck> {
    const start = this.observer === undefined ? 0 : performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = this.storage.consume(CHECK_REQUEST(identityKey));
      if (isPromise(answer)) {
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the storage did not answer within ${timeoutMs} ms`)), timeoutMs);
        });
        await Promise.race([answer, late]);
      }
      this.settled(start);
      this.recovered();
      return { up: true, fallback: false };
    } catch (error) {
      this.settled(start);
      this.noteFailure(error);
      return { up: false, fallback: this.down, error: describe(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  consume(request: ConsumeRequest): ConsumeResult | Promise<ConsumeResult> {
    if (!this.down) return this.attempt(request, false);
    if (this.probing || Date.now() < this.nextProbeAt) return this.degraded(request);
    this.probing = true;
    return this.attempt(request, true);
  }

  /**
   * Forgets the identity in the fallback and in the storage. If the storage fails, that counts as an
   * outage like a failed request: 'deny' rejects with 503; otherwise the reset is lost for the
   * storage (logged), the caller is not failed.
   */
  async reset(identityKey: string): Promise<void> {
    await this.fallback.reset(identityKey);
    try {
      const done = this.storage.reset(identityKey);
      if (isPromise(done)) await (this.deadlines ? this.deadlines.race(done) : done);
    } catch (error) {
      this.noteFailure(error);
      if (this.policy === 'deny') throw unavailable();
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.deadlines?.close();
    if (this.fallback instanceof MemoryStorage) this.fallback.close();
    await (this.storage as Partial<OnModuleDestroy>).onModuleDestroy?.();
  }

  private attempt(request: ConsumeRequest, probe: boolean): ConsumeResult | Promise<ConsumeResult> {
    const start = this.observer === undefined ? 0 : performance.now(); // no clock read without metrics
    let result: ConsumeResult | Promise<ConsumeResult>;
    try {
      result = this.storage.consume(request);
    } catch (error) {
      return this.failed(error, request, probe, start);
    }
    if (!isPromise(result)) return this.succeeded(result, probe, start);
    if (this.deadlines !== undefined) result = this.deadlines.race(result);
    return result.then(
      (answer) => this.succeeded(answer, probe, start),
      (error: unknown) => this.failed(error, request, probe, start),
    );
  }

  private succeeded(result: ConsumeResult, probe: boolean, start: number): ConsumeResult {
    this.settled(start);
    if (probe) {
      this.probing = false;
      this.recovered();
    }
    return result;
  }

  private failed(
    error: unknown,
    request: ConsumeRequest,
    probe: boolean,
    start: number,
  ): ConsumeResult | Promise<ConsumeResult> {
    this.settled(start);
    if (probe) this.probing = false;
    this.noteFailure(error);
    if (probe || this.nextProbeAt <= Date.now()) this.nextProbeAt = Date.now() + this.retryIntervalMs;
    return this.degraded(request);
  }

  /** Tells the observer how long a storage call took (`start` from `performance.now()`). */
  private settled(start: number): void {
    this.observer?.settled((performance.now() - start) / 1000);
  }

  /** Counts a failed storage call and enters the outage state, logging it once per outage. */
  private noteFailure(error: unknown): void {
    this.observer?.failed(error);
    if (this.down) return;
    this.down = true;
    this.observer?.fallback(true);
    this.logger.warn(
      `Rate limit storage failed (${describe(error)}): ${POLICY_TEXT[this.policy]} until it answers again; ` +
        `retrying every ${this.retryIntervalMs} ms.`,
    );
  }

  /** Leaves the outage state (the storage answered), logging it once. */
  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.observer?.fallback(false);
    this.logger.warn('Rate limit storage answers again: counting there again.');
  }

  /** The answer of the policy while the storage is down. */
  private degraded(request: ConsumeRequest): ConsumeResult | Promise<ConsumeResult> {
    if (this.policy === 'fallback') return this.fallback.consume(request);
    if (this.policy === 'deny') throw unavailable();
    const limits: LimitStatus[] = request.limits.map((limit) => ({
      remaining: Math.max(0, limit.limit - 1),
      resetMs: limit.windowMs,
      retryAfterMs: 0,
    }));
    return { allowed: true, retryAfterMs: 0, blocked: false, limits };
  }
}
