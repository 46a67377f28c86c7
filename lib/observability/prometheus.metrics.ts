import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import type { StorageObserver } from '../storage/resilient.storage.js';
import { DECISIONS } from './decision.js';
import type { DecisionCounter } from './decision-recorder.js';

type PromClient = typeof import('prom-client');

/** The `metrics` option as an object (`true` is `{}`). */
export interface MetricsOptions {
  /** A prom-client `Registry` to register with. Default prom-client's global `register`. */
  registry?: unknown;
  /** Prepended to every metric name, as prom-client's `collectDefaultMetrics({ prefix })`. Default `''`. */
  prefix?: string;
}

/** Seconds: Redis answers in well under a millisecond on a LAN; a timeout shows as the largest buckets. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Distinct scope labels at most; beyond, calls count under `other` (service scopes are the app's strings). */
const MAX_SCOPES = 1000;
const OTHER_SCOPE = 'other';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Loads the optional peer dependency prom-client, or explains how to install it. */
async function loadPromClient(): Promise<PromClient> {
  try {
    const loaded = (await import('prom-client')) as PromClient & { default?: PromClient };
    return loaded.default ?? loaded;
  } catch (error) {
    throw new InvalidRateLimitConfigError(
      `RateLimitModule option "metrics" needs the package prom-client: run \`npm install prom-client\` ` +
        `(${error instanceof Error ? error.message : String(error)}).`,
    );
  }
}

/** The `metrics` option after defaults. */
export type ResolvedMetricsOptions = MetricsOptions & { prefix: string };

const invalidMetrics = (what: string) =>
  new InvalidRateLimitConfigError(
    `Invalid RateLimitModule option "metrics": ${what}; use true or { registry?: a prom-client Registry, prefix?: string }.`,
  );

/** Checks the `metrics` option; returns it as an object, or undefined when metrics are off. */
export function resolveMetricsOptions(metrics: unknown): ResolvedMetricsOptions | undefined {
  if (metrics === undefined || metrics === false) return undefined;
  if (metrics === true) return { prefix: '' };
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    throw invalidMetrics(JSON.stringify(metrics));
  }
  const fields = metrics as Record<string, unknown>;
  const unknownKey = Object.keys(fields).find((key) => key !== 'registry' && key !== 'prefix');
  if (unknownKey !== undefined) throw invalidMetrics(`unknown key "${unknownKey}"`);
  const prefix = fields.prefix ?? '';
  if (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME.test(prefix))) {
    throw new InvalidRateLimitConfigError(
      `Invalid RateLimitModule option "metrics.prefix": ${JSON.stringify(prefix)}; use letters, digits, _ and : (e.g. 'myapp_').`,
    );
  }
  const { registry } = fields;
  if (registry !== undefined && typeof (registry as Registry | null)?.registerMetric !== 'function') {
    throw new InvalidRateLimitConfigError(
      'Invalid RateLimitModule option "metrics.registry": expected a prom-client Registry (new Registry(), or the one your app scrapes).',
    );
  }
  return { prefix, registry };
}

/**
 * The module's Prometheus metrics (option `metrics`): registered at bootstrap, removed from the
 * registry when the application closes. Request counts are kept in plain numbers per scope and
 * handed to prom-client when the registry is scraped, so a request costs a few increments.
 */
export class PrometheusMetrics implements DecisionCounter, StorageObserver, OnModuleDestroy {
  /** Per scope label: counts per decision not yet handed to the counter. */
  private readonly pending = new Map<string, number[]>();
  /** Scopes whose series the counter has not shown yet (they start at 0, so `rate()` works from the first call). */
  private readonly unseen = new Set<string>();
  private readonly requests: Counter<'decision' | 'scope'>;
  private readonly storageErrors: Counter;
  private readonly storageDuration: Histogram;
  private readonly storageFallback: Gauge;
  private readonly names: string[];

  private constructor(
    client: PromClient,
    private readonly registry: Registry,
    prefix: string,
  ) {
    const registers = [registry];
    const names = (this.names = [
      'requests_total',
      'storage_errors_total',
      'storage_duration_seconds',
      'storage_fallback',
    ].map((name) => `${prefix}ratelimit_${name}`));
    for (const name of names) {
      if (registry.getSingleMetric(name) !== undefined) {
        throw new InvalidRateLimitConfigError(
          `RateLimitModule option "metrics": a metric named ${name} is already registered in its registry ` +
            '(another RateLimitModule, or an application not closed): give this one another "metrics.prefix" or "metrics.registry".',
        );
      }
    }
    const pending = this.pending;
    const unseen = this.unseen;
    this.requests = new client.Counter({
      name: names[0],
      help: 'Calls the rate limiter decided, per decision (allowed, rejected, blocked, dry_run) and scope (pattern, route, zone or service scope).',
      labelNames: ['decision', 'scope'],
      registers,
      collect() {
        for (const [scope, counts] of pending) {
          const fresh = unseen.delete(scope);
          for (let d = 0; d < counts.length; d++) {
            if (counts[d] === 0 && !fresh) continue;
            this.inc({ decision: DECISIONS[d], scope }, counts[d]);
            counts[d] = 0;
          }
        }
      },
    });
    this.storageErrors = new client.Counter({
      name: names[1],
      help: 'Calls to the rate-limit storage that failed or exceeded storageTimeout.',
      registers,
    });
    this.storageDuration = new client.Histogram({
      name: names[2],
      help: 'Time of each call to the rate-limit storage (not MemoryStorage), answered or failed, in seconds.',
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.storageFallback = new client.Gauge({
      name: names[3],
      help: '1 while the rate-limit storage is down and requests are answered by onStorageError, else 0.',
      registers,
    });
    this.storageFallback.set(0);
  }

  /** Loads prom-client and registers the metrics; throws `InvalidRateLimitConfigError` naming the fix. */
  static async create(options: ResolvedMetricsOptions): Promise<PrometheusMetrics> {
    const client = await loadPromClient();
    return new PrometheusMetrics(client, (options.registry as Registry | undefined) ?? client.register, options.prefix);
  }

  count(scopes: readonly string[], decisions: readonly number[]): void {
    for (let s = 0; s < scopes.length; s++) {
      const decision = decisions[s];
      if (decision >= 0) (this.pending.get(scopes[s]) ?? this.track(scopes[s]))[decision]++;
    }
  }

  settled(seconds: number): void {
    this.storageDuration.observe(seconds);
  }

  failed(): void {
    this.storageErrors.inc();
  }

  fallback(down: boolean): void {
    this.storageFallback.set(down ? 1 : 0);
  }

  onModuleDestroy(): void {
    const metrics = [this.requests, this.storageErrors, this.storageDuration, this.storageFallback];
    this.names.forEach((name, i) => {
      if (this.registry.getSingleMetric(name) === metrics[i]) this.registry.removeSingleMetric(name);
    });
  }

  /** The counts of a scope seen for the first time (beyond `MAX_SCOPES`, those of `other`). */
  private track(scope: string): number[] {
    if (this.pending.size >= MAX_SCOPES) {
      const other = this.pending.get(OTHER_SCOPE);
      if (other !== undefined) return other;
      new Logger('RateLimitModule').warn(
        `Metrics: more than ${MAX_SCOPES} rate-limit scopes; further ones count under scope="${OTHER_SCOPE}" ` +
          '(are RateLimitService scopes built from user input?).',
      );
      scope = OTHER_SCOPE;
    }
    const counts = DECISIONS.map(() => 0);
    this.pending.set(scope, counts);
    this.unseen.add(scope);
    return counts;
  }
}
