import type { LimitStatus } from '../algorithms/algorithm.interface.js';
import { BlockedCache } from './blocked-cache.js';
import type { ConsumeRequest, ConsumeResult, RateLimitStorage } from './rate-limit-storage.interface.js';
import { CONSUME_SCRIPT, CONSUME_SCRIPT_SHA } from './redis.script.js';
import type { RedisClientAdapter, RedisSubscription } from './redis-clients/redis-client.interface.js';
import { adaptRedisClient, type RedisScriptClient } from './redis-clients/redis-clients.js';

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
  /**
   * Pub/sub channel on which `reset` tells every instance to forget its cached blocks of the
   * identity (each instance listens on a duplicate of its client). Default `'nestjs-ratelimit:reset'`;
   * `false` = no listening (a reset then reaches the other instances' caches when the blocks end).
   */
  resetChannel?: string | false;
}

const DEFAULT_BLOCKED_CACHE_SIZE = 10_000;
const DEFAULT_RESET_CHANNEL = 'nestjs-ratelimit:reset';
/** ms between two looks at the client's readiness while `ready()` waits. */
const READY_POLL_MS = 10;
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
 * Takes a client of ioredis or iovalkey (`Redis`, plain or Sentinel, `Cluster`) or of node-redis
 * v5+ (`createClient`, `createCluster`, `createSentinel`), recognised by its shape; all optional
 * peers. A `reset` is published so that every instance forgets its cached blocks of the identity.
 * The storage never closes the client (only the subscriber connection it duplicated from it).
 * @example `new RedisStorage(new Redis({ enableOfflineQueue: false, maxRetriesPerRequest: 1 }))`
 */
export class RedisStorage implements RateLimitStorage {
  private readonly client: RedisClientAdapter;
  private readonly blocked: BlockedCache;
  private readonly clock?: () => number;
  private readonly resetChannel: string | false;
  private subscription?: RedisSubscription;

  constructor(client: RedisScriptClient, options: RedisStorageOptions = {}) {
    this.client = adaptRedisClient(client);
    this.blocked = new BlockedCache(options.blockedCacheSize ?? DEFAULT_BLOCKED_CACHE_SIZE);
    this.clock = options.clock;
    this.resetChannel = this.blocked.enabled ? (options.resetChannel ?? DEFAULT_RESET_CHANNEL) : false;
  }

  /** The client library and topology recognised, e.g. `node-redis createCluster`. */
  get clientKind(): string {
    return this.client.kind;
  }

  /**
   * Starts listening for resets of other instances and resolves once the client is ready for
   * commands; rejects, saying why, when it is not within `timeoutMs` (ms). `RateLimitModule`
   * awaits it at bootstrap (see `RateLimitStorage.ready`).
   */
  async ready(timeoutMs: number): Promise<void> {
    this.listen();
    const deadline = Date.now() + timeoutMs;
    while (!this.client.isReady()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`${this.client.kind} client not ready after ${timeoutMs} ms (${this.client.notReadyReason()})`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(READY_POLL_MS, left)));
    }
  }

  /** Closes the subscriber connection (not the client). */
  async onModuleDestroy(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
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

  /** Deletes the identity's hash, then publishes the reset so that every instance forgets its cached blocks. */
  async reset(identityKey: string): Promise<void> {
    this.blocked.delete(identityKey);
    await this.client.del(identityKey);
    if (this.resetChannel !== false) await this.client.publish(this.resetChannel, identityKey);
  }

  /** Subscribes once to resets: each one forgets the identity; a lost subscription forgets everything. */
  private listen(): void {
    if (this.resetChannel === false || this.subscription !== undefined) return;
    this.subscription = this.client.subscribe(
      this.resetChannel,
      (identityKey) => this.blocked.delete(identityKey),
      () => this.blocked.clear(),
    );
  }

  /** EVALSHA; after a Redis restart or SCRIPT FLUSH, EVAL (which loads the script again). */
  private run(args: (string | number)[]): Promise<unknown> {
    return this.client
      .evalsha(CONSUME_SCRIPT_SHA, 1, args)
      .catch((error: unknown) =>
        isNoScript(error) ? this.client.eval(CONSUME_SCRIPT, 1, args) : Promise.reject(error),
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
