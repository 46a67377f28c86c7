import { Injectable } from '@nestjs/common';
import type { ResolvedRateLimitOptions, StorageErrorPolicy } from './rate-limit.options.js';
import { InjectRateLimitSettings, InjectRateLimitStorage } from './rate-limit.tokens.js';
import type { RateLimitStorage } from './storage/rate-limit-storage.interface.js';
import { ResilientStorage } from './storage/resilient.storage.js';

/** What `RateLimitHealthIndicator.isHealthy` reports under its key. */
export interface RateLimitHealthDetails {
  /** `up` while the storage answers, `down` while it does not. */
  status: 'up' | 'down';
  /** The storage's class, e.g. `RedisStorage`. */
  storage: string;
  /** True while requests are answered by `onStorageError` instead of the storage (the outage state). */
  fallback: boolean;
  /** What requests get while the storage is down: the `onStorageError` option. */
  onStorageError: StorageErrorPolicy;
  /** Why the storage did not answer, when it did not. */
  message?: string;
}

/** The result of `isHealthy(key)`, a @nestjs/terminus `HealthIndicatorResult`: `{ [key]: details }`. */
export type RateLimitHealthResult<Key extends string = string> = Record<Key, RateLimitHealthDetails>;

/** Options of `RateLimitHealthIndicator.isHealthy`. */
export interface RateLimitHealthOptions {
  /** ms the storage may take to answer the check. Default the module's `storageTimeout`, else 1000. */
  timeout?: number;
}

const DEFAULT_TIMEOUT_MS = 1000;

/**
 * A @nestjs/terminus health indicator for the rate limiter's storage. `RateLimitModule` provides it
 * (inject it in your health controller; no import of terminus happens unless your app has one):
 * `isHealthy(key)` asks the storage one read-only question and is `up` when it answers, `down` when
 * it fails or exceeds the timeout (which starts the outage state requests see too; an answer ends it).
 * MemoryStorage is always up.
 * @example `@Get() @HealthCheck() check() { return this.health.check([() => this.rateLimit.isHealthy('ratelimit')]); }`
 */
@Injectable()
export class RateLimitHealthIndicator {
  constructor(
    @InjectRateLimitStorage() private readonly storage: RateLimitStorage,
    @InjectRateLimitSettings() private readonly settings: ResolvedRateLimitOptions,
  ) {}

  /** Checks the storage now; resolves (never rejects) with its state under `key`. */
  async isHealthy<const Key extends string>(
    key: Key,
    options: RateLimitHealthOptions = {},
  ): Promise<RateLimitHealthResult<Key>> {
    const { storage, settings } = this;
    const onStorageError = settings.onStorageError;
    let details: RateLimitHealthDetails;
    if (storage instanceof ResilientStorage) {
      const timeout = options.timeout ?? settings.storageTimeout ?? DEFAULT_TIMEOUT_MS;
      const check = await storage.check(`${settings.keyPrefix}:{:health}`, timeout);
      details = {
        status: check.up ? 'up' : 'down',
        storage: storage.storage.constructor.name,
        fallback: check.fallback,
        onStorageError,
        ...(check.error === undefined ? {} : { message: check.error }),
      };
    } else {
      details = { status: 'up', storage: storage.constructor.name, fallback: false, onStorageError };
    }
    return { [key]: details } as RateLimitHealthResult<Key>;
  }
}
