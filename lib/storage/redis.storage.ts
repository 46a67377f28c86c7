import type { LimitStatus } from '../algorithms/algorithm.interface.js';
import { BlockedCache } from './blocked-cache.js';
import type { ConsumeRequest, ConsumeResult, RateLimitStorage } from './rate-limit-storage.interface.js';
import { CONSUME_SCRIPT, CONSUME_SCRIPT_SHA } from './redis.script.js';

/** Options of `RedisStorage`. */
export interface RedisStorageOptions {
  /**
   * Identities remembered as blocked in this process, answered without a Redis round trip until
   * their block ends. Default 10000; 0 disables the cache.
   */
  blockedCacheSize?: number;
  /**
   * FOR TESTS ONLY: current time in ms, sent to the script instead of Redis `TIME` (so a fake clock
   * drives Redis too). Keys then expire 10 minutes after their state is dead in that clock's time,
   * so real time passing during a test cannot drop live state. Leave unset in production: every
   * instance must use the same clock, Redis's.
   */
  clock?: () => number;
}

/**
 * The ioredis client methods RedisStorage uses: an ioredis `Redis` (plain or Sentinel) or `Cluster`
 * fits. Declared here rather than imported so the package's types need no ioredis installed.
 */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  del(key: string): Promise<number>;
}

const DEFAULT_BLOCKED_CACHE_SIZE = 10_000;
/** ms added to key lifetimes under an injected test clock (see `RedisStorageOptions.clock`). */
const TEST_CLOCK_TTL_SLACK_MS = 600_000;

const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith('NOSCRIPT');

/**
 * Counters in Redis, shared by every app instance: exact across processes. Each request is ONE
 * round trip (EVALSHA of one Lua script that checks every limit and commits only if all admit),
 * timed by Redis's clock. All state of an identity lives in one hash whose key carries the
 * identity's hash tag, so it works on Redis Cluster; Sentinel clients work like plain ones.
 * Identities known to be blocked are answered from memory until their block ends.
 *
 * ioredis is an optional peer dependency: install it and pass your client, e.g.
 * `new RedisStorage(new Redis({ enableOfflineQueue: false, maxRetriesPerRequest: 1 }))`.
 * The storage never closes the client.
 */
export class RedisStorage implements RateLimitStorage {
  private readonly client: RedisScriptClient;
  private readonly blocked: BlockedCache;
  private readonly clock?: () => number;

  constructor(client: RedisScriptClient, options: RedisStorageOptions = {}) {
    if (typeof client?.evalsha !== 'function') {
      throw new TypeError(
        'RedisStorage needs an ioredis client: new RedisStorage(new Redis(...)) or new Cluster(...).',
      );
    }
    this.client = client;
    this.blocked = new BlockedCache(options.blockedCacheSize ?? DEFAULT_BLOCKED_CACHE_SIZE);
    this.clock = options.clock;
  }

  consume(request: ConsumeRequest): ConsumeResult | Promise<ConsumeResult> {
    const { identityKey, limits, blocks } = request;
    const now = this.now();
    const blockedUntil = this.blocked.blockedUntil(identityKey, blocks, now);
    if (blockedUntil > 0) return blockedResult(blockedUntil - now, limits.length);
    if (limits.length === 0 && blocks.length === 0)
      return { allowed: true, retryAfterMs: 0, blocked: false, limits: [] };

    const args: (string | number)[] = [
      identityKey,
      this.clock === undefined ? '' : this.clock(),
      request.peek ? 1 : 0,
      this.clock === undefined ? 0 : TEST_CLOCK_TTL_SLACK_MS,
      limits.length,
      blocks.length,
    ];
    for (const limit of limits) args.push(limit.key, limit.limit, limit.windowMs, limit.algorithm, limit.block + 1);
    for (const block of blocks) args.push(block.key, block.durationMs);
    return this.run(args).then((reply) => this.parse(request, String(reply)));
  }

  async reset(identityKey: string): Promise<void> {
    this.blocked.delete(identityKey);
    await this.client.del(identityKey);
  }

  /** EVALSHA; after a Redis restart or SCRIPT FLUSH, EVAL (which loads the script again). */
  private run(args: (string | number)[]): Promise<unknown> {
    return this.client
      .evalsha(CONSUME_SCRIPT_SHA, 1, ...args)
      .catch((error: unknown) =>
        isNoScript(error) ? this.client.eval(CONSUME_SCRIPT, 1, ...args) : Promise.reject(error),
      );
  }

  private parse(request: ConsumeRequest, reply: string): ConsumeResult {
    const values = reply.split(',');
    const count = request.limits.length;
    const limits: LimitStatus[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const at = 3 + i * 3;
      limits[i] = {
        remaining: Number(values[at]),
        resetMs: Number(values[at + 1]),
        retryAfterMs: Number(values[at + 2]),
      };
    }
    const blocked = values[1] === '1';
    if (blocked) {
      const now = this.now();
      const at = 3 + count * 3;
      request.blocks.forEach((block, j) => {
        const left = Number(values[at + j]);
        if (left > 0) this.blocked.add(request.identityKey, block.key, now + left);
      });
    }
    return { allowed: values[0] === '1', retryAfterMs: Number(values[2]), blocked, limits };
  }

  private now(): number {
    return this.clock === undefined ? Date.now() : this.clock();
  }
}

/** The answer to a request of an identity blocked for `waitMs` more, as the script gives it. */
function blockedResult(waitMs: number, limitCount: number): ConsumeResult {
  const limits: LimitStatus[] = new Array(limitCount);
  for (let i = 0; i < limitCount; i++) limits[i] = { remaining: 0, resetMs: waitMs, retryAfterMs: waitMs };
  return { allowed: false, retryAfterMs: waitMs, blocked: true, limits };
}
