/** The applications the harness compares, in the order each round runs them. */
export const VARIANT_NAMES = [
  'bare',
  'noop-guard',
  'ratelimit-memory',
  'ratelimit-redis',
  'ratelimit-node-redis',
  'throttler-memory',
  'throttler-redis',
] as const;

/**
 * Diagnostic variants, run only when named (`--variants phases`): one process that alternates what
 * its guard does in short phases and records CPU per phase (`phases.variant.ts`).
 */
export const DIAGNOSTIC_VARIANT_NAMES = ['phases', 'phases-ab'] as const;

export type VariantName = (typeof VARIANT_NAMES)[number] | (typeof DIAGNOSTIC_VARIANT_NAMES)[number];

/** How each variant is described in the results. */
export const VARIANT_LABELS: Record<VariantName, string> = {
  bare: 'bare NestJS (no limiter)',
  'noop-guard': 'control: no-op guard + the same 2 headers',
  'ratelimit-memory': 'nestjs-ratelimit MemoryStorage',
  'ratelimit-redis': 'nestjs-ratelimit RedisStorage',
  'ratelimit-node-redis': 'nestjs-ratelimit RedisStorage on node-redis',
  'throttler-memory': '@nestjs/throttler default storage',
  'throttler-redis': '@nestjs/throttler + @nest-lab/throttler-storage-redis',
  phases: 'diagnostic: the guard step by step in alternating phases',
  'phases-ab': 'diagnostic: two builds of the guard in alternating phases',
};

/** Variants without a limiter: they answer 200 in every scenario. */
export const UNLIMITED_VARIANTS: ReadonlySet<VariantName> = new Set(['bare', 'noop-guard']);

/** Variants that talk to the benchmark's redis-server. */
export const REDIS_VARIANTS: ReadonlySet<VariantName> = new Set([
  'ratelimit-redis',
  'ratelimit-node-redis',
  'throttler-redis',
]);

export const isVariantName = (name: string): name is VariantName =>
  (VARIANT_NAMES as readonly string[]).includes(name) || (DIAGNOSTIC_VARIANT_NAMES as readonly string[]).includes(name);

/** The HTTP adapters a run covers. */
export const PLATFORM_NAMES = ['express', 'fastify'] as const;
export type PlatformName = (typeof PLATFORM_NAMES)[number];

/** Messages from a variant process to the harness (over the IPC channel). */
export type VariantMessage =
  | { type: 'ready'; port: number }
  | { type: 'unavailable'; reason: string }
  | { type: 'stats'; rss: number; heapUsed: number; cpu: number; redisCommands: number; requests: number };

/** Messages from the harness to a variant process. */
export type HarnessMessage = { type: 'stats' } | { type: 'stop' };
