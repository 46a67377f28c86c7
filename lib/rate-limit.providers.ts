import { Logger, type Provider, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ClientIpAuth } from './auth/client-ip.auth.js';
import { AuthPreparer, createIdentify, RATE_LIMIT_AUTH_PROVIDERS } from './auth/identify.js';
import type { AuthFunction, AuthProvider, RateLimitAuth } from './auth/rate-limit-auth.interface.js';
import { InvalidRateLimitConfigError } from './errors/invalid-rate-limit-config.error.js';
import { DecisionRecorder } from './observability/decision-recorder.js';
import { PrometheusMetrics } from './observability/prometheus.metrics.js';
import { RateLimitHealthIndicator } from './rate-limit.health.js';
import { RATE_LIMIT_MODULE_OPTIONS } from './rate-limit.module-definition.js';
import { resolveOptions, type RateLimitModuleOptions, type ResolvedRateLimitOptions } from './rate-limit.options.js';
import { RateLimitService } from './rate-limit.service.js';
import {
  RATE_LIMIT_DECISIONS,
  RATE_LIMIT_IDENTIFY,
  RATE_LIMIT_METRICS,
  RATE_LIMIT_PATTERNS,
  RATE_LIMIT_SETTINGS,
  RATE_LIMIT_STORAGE,
} from './rate-limit.tokens.js';
import { compilePatterns } from './rules/pattern-rules.js';
import { MemoryStorage } from './storage/memory.storage.js';
import type { RateLimitStorage } from './storage/rate-limit-storage.interface.js';
import { ResilientStorage } from './storage/resilient.storage.js';

/**
 * Builds a provider given as a class (recognised by `method` on its prototype) with Nest DI, its
 * dependencies coming from `imports` and global modules; returns instances and functions as they are.
 */
async function instantiate<T>(moduleRef: ModuleRef, provider: Type<T> | T, method: string): Promise<T> {
  const isClass = typeof provider === 'function' && typeof provider.prototype?.[method] === 'function';
  return isClass ? moduleRef.create(provider as Type<T>) : (provider as T);
}

/** The `auth` option as a list of instances and functions, its classes built by DI. */
function createAuthProviders(
  options: RateLimitModuleOptions,
  moduleRef: ModuleRef,
): Promise<(RateLimitAuth | AuthFunction)[]> {
  const providers: AuthProvider[] =
    options.auth === undefined ? [ClientIpAuth] : ([] as AuthProvider[]).concat(options.auth);
  return Promise.all(
    providers.map((provider) =>
      instantiate<RateLimitAuth | AuthFunction>(moduleRef, provider as Type<RateLimitAuth>, 'authenticate'),
    ),
  );
}

/** ms the module waits at bootstrap for a storage to be ready when `storageTimeout` is not set. */
const READY_TIMEOUT_MS = 5000;

/**
 * Waits (bounded by `storageTimeout`, else 5 s) until the storage is ready, so that the app does not
 * start out counting in the fallback; if it is not, warns and boots anyway (the outage policy answers).
 */
async function awaitReady(storage: RateLimitStorage, settings: ResolvedRateLimitOptions): Promise<void> {
  try {
    await storage.ready?.(settings.storageTimeout ?? READY_TIMEOUT_MS);
  } catch (error) {
    new Logger('RateLimitModule').warn(
      `Rate limit storage not ready at bootstrap: ${error instanceof Error ? error.message : String(error)}; ` +
        `starting anyway, onStorageError '${settings.onStorageError}' answers until it does.`,
    );
  }
}

/** The configured storage; any but MemoryStorage wrapped in the storage-error policy (`ResilientStorage`). */
async function createStorage(
  options: RateLimitModuleOptions,
  settings: ResolvedRateLimitOptions,
  moduleRef: ModuleRef,
  metrics: PrometheusMetrics | null,
): Promise<RateLimitStorage> {
  const storage = await instantiate(moduleRef, options.storage ?? new MemoryStorage(), 'consume');
  if (typeof storage?.consume !== 'function' || typeof storage.reset !== 'function') {
    throw new InvalidRateLimitConfigError(
      'Invalid RateLimitModule option "storage": expected a RateLimitStorage class or instance with consume() and reset().',
    );
  }
  if (storage instanceof MemoryStorage) return storage;
  await awaitReady(storage, settings);
  return new ResilientStorage(storage, {
    policy: settings.onStorageError,
    timeoutMs: settings.storageTimeout,
    observer: metrics ?? undefined,
  });
}

/** The providers of `RateLimitModule`: resolved options, compiled patterns, storage, auth providers and chain, service. */
export const RATE_LIMIT_PROVIDERS: Provider[] = [
  { provide: RATE_LIMIT_SETTINGS, useFactory: resolveOptions, inject: [RATE_LIMIT_MODULE_OPTIONS] },
  {
    provide: RATE_LIMIT_PATTERNS,
    // A pattern with an empty list adds no limit: dropped so that it never makes the guard call auth.
    useFactory: (settings: ResolvedRateLimitOptions) =>
      compilePatterns(settings.config, settings).filter((pattern) => pattern.list.rules.length > 0),
    inject: [RATE_LIMIT_SETTINGS],
  },
  {
    provide: RATE_LIMIT_METRICS,
    // prom-client is loaded only here, only when the option is set.
    useFactory: ({ metrics }: ResolvedRateLimitOptions) => (metrics ? PrometheusMetrics.create(metrics) : null),
    inject: [RATE_LIMIT_SETTINGS],
  },
  {
    provide: RATE_LIMIT_STORAGE,
    useFactory: createStorage,
    inject: [RATE_LIMIT_MODULE_OPTIONS, RATE_LIMIT_SETTINGS, ModuleRef, RATE_LIMIT_METRICS],
  },
  {
    provide: RATE_LIMIT_DECISIONS,
    // Without metrics and onDecision, null: the service then records nothing per call.
    useFactory: (settings: ResolvedRateLimitOptions, metrics: PrometheusMetrics | null) =>
      metrics || settings.onDecision
        ? new DecisionRecorder(metrics ?? undefined, settings.onDecision, settings.dryRun)
        : null,
    inject: [RATE_LIMIT_SETTINGS, RATE_LIMIT_METRICS],
  },
  {
    provide: RATE_LIMIT_AUTH_PROVIDERS,
    useFactory: createAuthProviders,
    inject: [RATE_LIMIT_MODULE_OPTIONS, ModuleRef],
  },
  // The auth chain; AuthPreparer runs each provider's prepare() at bootstrap (JwtAuth finds its key).
  { provide: RATE_LIMIT_IDENTIFY, useFactory: createIdentify, inject: [RATE_LIMIT_AUTH_PROVIDERS] },
  AuthPreparer,
  RateLimitService,
  RateLimitHealthIndicator,
];

/** What the module exports: the service, and the guard's dependencies so `@UseGuards(RateLimitGuard)` resolves anywhere. */
export const RATE_LIMIT_EXPORTS = [
  RateLimitService,
  RateLimitHealthIndicator,
  RATE_LIMIT_STORAGE,
  RATE_LIMIT_SETTINGS,
  RATE_LIMIT_PATTERNS,
  RATE_LIMIT_IDENTIFY,
];
