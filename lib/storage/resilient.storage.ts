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
  /** Where the outage and recovery are reported. Default Nest's `Logger` ('RateLimitModule'). */
  logger?: Pick<Logger, 'warn' | 'log'>;
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
  private readonly logger: Pick<Logger, 'warn' | 'log'>;
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
      this.markDown(error);
      if (this.policy === 'deny') throw unavailable();
    }
  }

  onModuleDestroy(): void {
    this.deadlines?.close();
    if (this.fallback instanceof MemoryStorage) this.fallback.close();
  }

  private attempt(request: ConsumeRequest, probe: boolean): ConsumeResult | Promise<ConsumeResult> {
    let result: ConsumeResult | Promise<ConsumeResult>;
    try {
      result = this.storage.consume(request);
    } catch (error) {
      return this.failed(error, request, probe);
    }
    if (!isPromise(result)) return this.succeeded(result, probe);
    if (this.deadlines !== undefined) result = this.deadlines.race(result);
    return result.then(
      (answer) => this.succeeded(answer, probe),
      (error: unknown) => this.failed(error, request, probe),
    );
  }

  private succeeded(result: ConsumeResult, probe: boolean): ConsumeResult {
    if (probe) {
      this.probing = false;
      if (this.down) {
        this.down = false;
        this.logger.log('Rate limit storage answers again: counting there again.');
      }
    }
    return result;
  }

  private failed(error: unknown, request: ConsumeRequest, probe: boolean): ConsumeResult | Promise<ConsumeResult> {
    if (probe) this.probing = false;
    this.markDown(error);
    if (probe || this.nextProbeAt <= Date.now()) this.nextProbeAt = Date.now() + this.retryIntervalMs;
    return this.degraded(request);
  }

  /** Enters the outage state, logging it once per outage. */
  private markDown(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(
      `Rate limit storage failed (${describe(error)}): ${POLICY_TEXT[this.policy]} until it answers again; ` +
        `retrying every ${this.retryIntervalMs} ms.`,
    );
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
