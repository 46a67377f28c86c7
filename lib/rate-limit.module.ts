import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ClientIpAuth } from './auth/client-ip.auth.js';
import type { AuthProvider, Identity, RateLimitAuth } from './auth/rate-limit-auth.interface.js';
import { EmptyInformation } from './errors/empty-information.error.js';
import { InvalidRateLimitConfigError } from './errors/invalid-rate-limit-config.error.js';
import {
  RATE_LIMIT_IDENTIFY,
  RATE_LIMIT_PATTERNS,
  RATE_LIMIT_SETTINGS,
  RATE_LIMIT_STORAGE,
} from './rate-limit.constants.js';
import { normalizeIdentity, type IdentifyFunction } from './rate-limit.guard.js';
import {
  ASYNC_OPTIONS_TYPE,
  OPTIONS_TYPE,
  RATE_LIMIT_MODULE_OPTIONS,
  RateLimitConfigurableModule,
} from './rate-limit.module-definition.js';
import type { HeadersMode, RateLimitModuleOptions, ResolvedRateLimitOptions } from './rate-limit.options.js';
import { RateLimitService } from './rate-limit.service.js';
import { validateAlgorithm } from './rules/rule-compiler.js';
import { compilePatterns } from './rules/pattern-rules.js';
import { then } from './utils/maybe-promise.js';
import { MemoryStorage } from './storage/memory.storage.js';
import type { RateLimitStorage } from './storage/rate-limit-storage.interface.js';
import { ResilientStorage } from './storage/resilient.storage.js';

const HEADER_MODES: readonly HeadersMode[] = ['draft', 'legacy', 'both', 'none'];

/** Applies defaults and checks the options that do not depend on DI; throws naming the field. */
function resolveOptions(options: RateLimitModuleOptions): ResolvedRateLimitOptions {
  const algorithm = options.algorithm ?? 'fixed-window';
  validateAlgorithm(algorithm, 'RateLimitModule option "algorithm"');
  const headers = options.headers ?? 'draft';
  if (!HEADER_MODES.includes(headers)) {
    throw new InvalidRateLimitConfigError(
      `Invalid RateLimitModule option "headers": ${JSON.stringify(headers)}; use one of ${HEADER_MODES.join(', ')}.`,
    );
  }
  const keyPrefix = options.keyPrefix ?? 'ratelimit';
  if (typeof keyPrefix !== 'string' || keyPrefix === '' || /[{}]/.test(keyPrefix)) {
    throw new InvalidRateLimitConfigError(
      `Invalid RateLimitModule option "keyPrefix": ${JSON.stringify(keyPrefix)}; use a non-empty string without { or }.`,
    );
  }
  const onStorageError = options.onStorageError ?? 'fallback';
  if (!['fallback', 'allow', 'deny'].includes(onStorageError)) {
    throw new InvalidRateLimitConfigError(
      `Invalid RateLimitModule option "onStorageError": ${JSON.stringify(onStorageError)}; use 'fallback', 'allow' or 'deny'.`,
    );
  }
  if (options.storageTimeout !== undefined && !(options.storageTimeout > 0)) {
    throw new InvalidRateLimitConfigError(
      `Invalid RateLimitModule option "storageTimeout": ${JSON.stringify(options.storageTimeout)}; use a number of ms > 0.`,
    );
  }
  return {
    config: options.config ?? {},
    algorithm,
    headers,
    keyPrefix,
    onBlocked: options.onBlocked,
    onAuthError: options.onAuthError,
    onStorageError,
    storageTimeout: options.storageTimeout,
    dryRun: options.dryRun ?? false,
  };
}

/**
 * Builds a provider given as a class (recognised by `method` on its prototype) with Nest DI, its
 * dependencies coming from `imports` and global modules; returns instances and functions as they are.
 */
async function instantiate<T>(moduleRef: ModuleRef, provider: Type<T> | T, method: string): Promise<T> {
  const isClass = typeof provider === 'function' && typeof provider.prototype?.[method] === 'function';
  return isClass ? moduleRef.create(provider as Type<T>) : (provider as T);
}

/** Turns the `auth` option into one function: providers tried in order, EmptyInformation moving on. */
async function createIdentify(options: RateLimitModuleOptions, moduleRef: ModuleRef): Promise<IdentifyFunction> {
  const providers: AuthProvider[] =
    options.auth === undefined ? [ClientIpAuth] : ([] as AuthProvider[]).concat(options.auth);
  if (providers.length === 0) {
    throw new InvalidRateLimitConfigError(
      'Invalid RateLimitModule option "auth": the list is empty; give at least one provider.',
    );
  }
  const steps = await Promise.all(
    providers.map(async (provider, index) => {
      const instance = await instantiate(moduleRef, provider as Type<RateLimitAuth> | RateLimitAuth, 'authenticate');
      if (typeof instance === 'function') return instance as (context: any) => Identity | Promise<Identity>;
      if (typeof instance?.authenticate !== 'function') {
        throw new InvalidRateLimitConfigError(
          `Invalid RateLimitModule option "auth" (entry ${index}): expected a RateLimitAuth class or instance with authenticate(context), or a function.`,
        );
      }
      return (context: any) => instance.authenticate(context);
    }),
  );
  if (steps.length === 1) {
    const [only] = steps;
    return (context) => then(only(context), normalizeIdentity);
  }
  return async (context) => {
    let lastEmpty: unknown;
    for (const step of steps) {
      try {
        return normalizeIdentity(await step(context));
      } catch (error) {
        if (!(error instanceof EmptyInformation)) throw error;
        lastEmpty = error;
      }
    }
    throw lastEmpty;
  };
}

/** The configured storage; any but MemoryStorage wrapped in the storage-error policy (`ResilientStorage`). */
async function createStorage(
  options: RateLimitModuleOptions,
  settings: ResolvedRateLimitOptions,
  moduleRef: ModuleRef,
): Promise<RateLimitStorage> {
  const storage = await instantiate(moduleRef, options.storage ?? new MemoryStorage(), 'consume');
  if (typeof storage?.consume !== 'function' || typeof storage.reset !== 'function') {
    throw new InvalidRateLimitConfigError(
      'Invalid RateLimitModule option "storage": expected a RateLimitStorage class or instance with consume() and reset().',
    );
  }
  if (storage instanceof MemoryStorage) return storage;
  return new ResilientStorage(storage, { policy: settings.onStorageError, timeoutMs: settings.storageTimeout });
}

const providers: Provider[] = [
  { provide: RATE_LIMIT_SETTINGS, useFactory: resolveOptions, inject: [RATE_LIMIT_MODULE_OPTIONS] },
  {
    provide: RATE_LIMIT_PATTERNS,
    // A pattern with an empty list adds no limit: dropped so that it never makes the guard call auth.
    useFactory: (settings: ResolvedRateLimitOptions) =>
      compilePatterns(settings.config, settings).filter((pattern) => pattern.list.rules.length > 0),
    inject: [RATE_LIMIT_SETTINGS],
  },
  {
    provide: RATE_LIMIT_STORAGE,
    useFactory: createStorage,
    inject: [RATE_LIMIT_MODULE_OPTIONS, RATE_LIMIT_SETTINGS, ModuleRef],
  },
  { provide: RATE_LIMIT_IDENTIFY, useFactory: createIdentify, inject: [RATE_LIMIT_MODULE_OPTIONS, ModuleRef] },
  RateLimitService,
];

/**
 * Rate limiting for the whole application. `forRoot(options)` (or `forRootAsync`) registers the
 * global `RateLimitGuard` and makes `RateLimitService` injectable everywhere.
 */
@Module({
  providers,
  // The guard's dependencies too, so that `guard: false` + `@UseGuards(RateLimitGuard)` resolves anywhere.
  exports: [RateLimitService, RATE_LIMIT_STORAGE, RATE_LIMIT_SETTINGS, RATE_LIMIT_PATTERNS, RATE_LIMIT_IDENTIFY],
})
export class RateLimitModule extends RateLimitConfigurableModule {
  /** Configures the module with static options (all optional). */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /** Configures the module with options from a factory, class or existing provider. */
  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
