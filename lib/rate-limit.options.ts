import type { ExecutionContext, ModuleMetadata, Type } from '@nestjs/common';
import type { Algorithm } from './algorithms/algorithm.interface.js';
import type { AuthProvider, Identity } from './auth/rate-limit-auth.interface.js';
import { InvalidRateLimitConfigError } from './errors/invalid-rate-limit-config.error.js';
import { HEADER_MODES, type HeadersMode } from './headers/rate-limit-headers.js';
import type { RateLimitDecision } from './observability/decision.js';
import {
  resolveMetricsOptions,
  type MetricsOptions,
  type ResolvedMetricsOptions,
} from './observability/prometheus.metrics.js';
import type { RateLimitInfo } from './rules/rate-limit-info.interface.js';
import { validateAlgorithm } from './rules/rule-compiler.js';
import type { Rule } from './rules/rule.interface.js';
import { describeValue, numberHint } from './utils/describe-value.js';
import type { RateLimitStorage } from './storage/rate-limit-storage.interface.js';
import { STORAGE_ERROR_POLICIES, type StorageErrorPolicy } from './storage/resilient.storage.js';

export type { HeadersMode, StorageErrorPolicy };

/** Options of `RateLimitModule.forRoot` (and what `forRootAsync`'s factory returns). */
export interface RateLimitModuleOptions {
  /**
   * Who is calling. A class (built by Nest DI), an instance, or a `(context) => Identity` function;
   * a list is tried in order, `EmptyInformation` moving on to the next. Default `ClientIpAuth`.
   */
  auth?: AuthProvider | AuthProvider[];
  /** Where counts live: a class (built by Nest DI) or an instance. Default a new `MemoryStorage`. */
  storage?: Type<RateLimitStorage> | RateLimitStorage;
  /** Regex path pattern (matched at the start of the normalised path, case-insensitively) -> rules. */
  config?: Record<string, Rule[]>;
  /** Counting algorithm of rules that name none. Default `'fixed-window'`. */
  algorithm?: Algorithm;
  /** Rate-limit headers on responses. Default `'draft'` (`RateLimit-Policy` and `RateLimit`). */
  headers?: HeadersMode;
  /** First component of every storage key. Default `'ratelimit'`. */
  keyPrefix?: string;
  /** Modules whose providers auth and storage classes inject (forRoot only; forRootAsync has its own). */
  imports?: ModuleMetadata['imports'];
  /** Runs before a request is rejected; may throw its own exception, else the 429 is thrown. */
  onBlocked?: (context: ExecutionContext, info: RateLimitInfo) => unknown | Promise<unknown>;
  /**
   * Decides what an auth failure (including no identity at all) becomes: return an identity to
   * limit the request under, or throw. Default: a 401 naming the cause.
   */
  onAuthError?: (error: unknown, context: ExecutionContext) => Identity | Promise<Identity>;
  /** When the storage fails or exceeds `storageTimeout`. Default `'fallback'` (in-process counting). */
  onStorageError?: StorageErrorPolicy;
  /** ms a storage call may take before it counts as failed. Default: no timeout. */
  storageTimeout?: number;
  /** Count and set headers, but never reject. Default `false`. */
  dryRun?: boolean;
  /**
   * Called once per limited request and `RateLimitService.consume` call with what was decided (for
   * logs and tracing). Never awaited; what it throws (or its promise rejects with) is logged, never
   * reaches the request. Default none.
   */
  onDecision?: (event: RateLimitDecision) => void;
  /**
   * Prometheus metrics through prom-client (an optional peer: `npm install prom-client`): `true`
   * registers them in prom-client's global registry, `{ registry, prefix }` in yours, names prefixed.
   * See README "Observability". Default `false`.
   */
  metrics?: boolean | MetricsOptions;
}

/** The module's options after defaults, as the guard and service use them. */
export interface ResolvedRateLimitOptions {
  config: Record<string, Rule[]>;
  algorithm: Algorithm;
  headers: HeadersMode;
  keyPrefix: string;
  onBlocked?: RateLimitModuleOptions['onBlocked'];
  onAuthError?: RateLimitModuleOptions['onAuthError'];
  onStorageError: StorageErrorPolicy;
  storageTimeout?: number;
  dryRun: boolean;
  onDecision?: RateLimitModuleOptions['onDecision'];
  /** Undefined when metrics are off. */
  metrics?: ResolvedMetricsOptions;
}

/** A class given to `forRootAsync({ useClass })` or `useExisting`: it produces the module's options. */
export interface RateLimitOptionsFactory {
  createRateLimitOptions(): RateLimitModuleOptions | Promise<RateLimitModuleOptions>;
}

/** Every option's name: a key missing here fails to compile, so an option cannot be forgotten. */
const OPTION_NAMES: Record<keyof RateLimitModuleOptions, true> = {
  auth: true,
  storage: true,
  config: true,
  algorithm: true,
  headers: true,
  keyPrefix: true,
  imports: true,
  onBlocked: true,
  onAuthError: true,
  onStorageError: true,
  storageTimeout: true,
  dryRun: true,
  onDecision: true,
  metrics: true,
};

/** Throws naming the problem unless `options` is an options object with known keys only. */
function checkOptionsShape(options: unknown): asserts options is RateLimitModuleOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidRateLimitConfigError(
      `Invalid RateLimitModule options: expected an object like { auth, storage, config }, got ${describeValue(options)}` +
        ' (did the forRootAsync factory return what you meant?).',
    );
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(OPTION_NAMES, key)) {
      throw new InvalidRateLimitConfigError(
        `Unknown RateLimitModule option "${key}": known options are ${Object.keys(OPTION_NAMES).join(', ')}.`,
      );
    }
  }
}

/** Applies defaults to the options and checks those that do not depend on DI; throws naming the field. */
export function resolveOptions(options: RateLimitModuleOptions): ResolvedRateLimitOptions {
  checkOptionsShape(options);
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
  if (!STORAGE_ERROR_POLICIES.includes(onStorageError)) {
    throw new InvalidRateLimitConfigError(
      `Invalid RateLimitModule option "onStorageError": ${JSON.stringify(onStorageError)}; use ${STORAGE_ERROR_POLICIES.map((p) => `'${p}'`).join(', ')}.`,
    );
  }
  if (options.storageTimeout !== undefined && !(options.storageTimeout > 0)) {
    throw new InvalidRateLimitConfigError(
      `Invalid RateLimitModule option "storageTimeout": ${describeValue(options.storageTimeout)}; use a number of ms > 0.${numberHint(options.storageTimeout)}`,
    );
  }
  if (options.onDecision !== undefined && typeof options.onDecision !== 'function') {
    throw new InvalidRateLimitConfigError(
      `Invalid RateLimitModule option "onDecision": expected a function (event) => void, got ${describeValue(options.onDecision)}.`,
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
    onDecision: options.onDecision,
    metrics: resolveMetricsOptions(options.metrics),
  };
}
