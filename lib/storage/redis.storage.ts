import { createHash } from 'node:crypto';
import type { LimitStatus } from '../algorithms/algorithm.interface.js';
import { BlockedCache } from './blocked-cache.js';
import { blockedResult } from './blocked-result.js';
import type {
  BlockScope,
  ConsumeRequest,
  ConsumeResult,
  LimitCheck,
  RateLimitStorage,
} from './rate-limit-storage.interface.js';
import { PLAN_SCRIPT_MAX_ENTRIES, planScript, type PlanScript } from './redis.plan-script.js';
import {
  CONSUME_SCRIPT,
  CONSUME_SCRIPT_COMPATIBLE_0_1,
  CONSUME_SCRIPT_SHA,
  earlierFields,
  SCRIPT_ALGORITHMS,
} from './redis.script.js';
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
  /**
   * Distinct limit plans (the combinations of limits that requests check, one per route and rule
   * set) that get a Lua script of their own, with their numbers and field names written into it:
   * Redis then runs about half the interpreter work per call (bench/RESULTS.md, "Redis CPU per
   * call"), and a call sends no argument but the key. Each such script stays in Redis's script
   * cache (a few KB) until SCRIPT FLUSH; plans beyond this number (e.g. `RateLimitService` calls
   * whose limits change at every call) use the one generic script, which makes the same decisions
   * on the same state. Default 100; 0 = always the generic script.
   */
  planScripts?: number;
  /**
   * `'0.1'` during a rolling upgrade from 0.1, while instances of 0.1 still count in the same Redis:
   * counters are read and written in 0.1's fields (with the generic script only), so that both
   * versions count every hit in one state and no client gets a quota from each. Deploy once with it,
   * and again without it once no instance of 0.1 runs (instances with and without it also count
   * together). See README, "Upgrading". Default: none (this version's fields).
   */
  compatibleWith?: '0.1';
  /**
   * ioredis and iovalkey: the script calls made during one turn of the event loop leave in one
   * socket write per connection (per node of a Cluster), flushed by one `setImmediate` per turn,
   * instead of one write (one syscall, and one read in Redis) per call; each call still gets its own
   * reply or error. Other commands the app writes on the same connection during that turn go out in
   * the same write. Default true (bench/PROFILE.md: about 25 µs less app CPU per request on Fastify).
   * node-redis writes every command this way by itself: the option changes nothing there.
   */
  coalesceWrites?: boolean;
}

const DEFAULT_BLOCKED_CACHE_SIZE = 10_000;
const DEFAULT_RESET_CHANNEL = 'nestjs-ratelimit:reset';
const DEFAULT_PLAN_SCRIPTS = 100;
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
  /** The script of each plan that has one (null: the generic script), and the scripts by plan content. */
  private readonly scriptOf = new WeakMap<PlanArgument, PlanScript | null>();
  private readonly scripts = new Map<string, PlanScript>();
  /** Scripts this storage has sent once (with EVAL, which loads them): EVALSHA from then on. */
  private readonly sent = new WeakSet<PlanScript>();
  private readonly planScripts: number;
  /** The script of plans without one of their own: the generic script, or its 0.1-compatible form. */
  private readonly generic: PlanScript;

  constructor(client: RedisScriptClient, options: RedisStorageOptions = {}) {
    this.client = adaptRedisClient(client, { coalesceWrites: options.coalesceWrites ?? true });
    this.blocked = new BlockedCache(options.blockedCacheSize ?? DEFAULT_BLOCKED_CACHE_SIZE);
    this.clock = options.clock;
    this.resetChannel = this.blocked.enabled ? (options.resetChannel ?? DEFAULT_RESET_CHANNEL) : false;
    if (options.compatibleWith !== undefined && options.compatibleWith !== '0.1') {
      throw new TypeError(
        `Invalid RedisStorage option compatibleWith: ${JSON.stringify(options.compatibleWith)}; give '0.1' (during a rolling upgrade from 0.1) or leave it out.`,
      );
    }
    this.planScripts = options.planScripts ?? DEFAULT_PLAN_SCRIPTS;
    if (!(this.planScripts >= 0)) {
      throw new TypeError(
        `Invalid RedisStorage option planScripts: ${String(options.planScripts)}; give a number >= 0 (0 = always the generic script).`,
      );
    }
    const compatible = options.compatibleWith === '0.1';
    if (compatible) this.planScripts = 0; // 0.1's fields are written by the generic script only
    this.generic = compatible ? COMPATIBLE_0_1_SCRIPT : GENERIC_SCRIPT;
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
    const { identityKey, limits, blocks, costs } = request;
    const now = this.now();
    const blockLeft = this.blocked.blockLeft(identityKey, blocks, now);
    if (blockLeft !== undefined) return blockedResult(limits, blockLeft);
    if (limits.length === 0 && blocks.length === 0)
      return { allowed: true, retryAfterMs: 0, blocked: false, limits: [] };

    const plan = planArgument(limits, blocks);
    const script = this.scriptFor(plan);
    const clocked = this.clock !== undefined;
    let args: string[];
    if (script !== null) {
      args =
        !clocked && request.peek !== true && costs === undefined
          ? [identityKey]
          : [
              identityKey,
              clocked ? String(now) : '0',
              request.peek === true ? '1' : '0',
              clocked ? String(TEST_CLOCK_TTL_SLACK_MS) : '0',
              ...(costs ?? []).map(String),
            ];
    } else {
      const head = clocked
        ? `${now},${request.peek ? 1 : 0},${TEST_CLOCK_TTL_SLACK_MS}`
        : `0,${request.peek ? 1 : 0},0`;
      args = [
        identityKey,
        `[${head}${plan.numbers}${costs === undefined ? '' : `,${costs.join(',')}`}]`,
        ...(this.generic === COMPATIBLE_0_1_SCRIPT ? plan.compatibleFields : plan.fields),
      ];
    }
    return this.run(request, script ?? this.generic, args);
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

  /** The plan's own script while fewer than `planScripts` exist (one per distinct plan content), else null. */
  private scriptFor(plan: PlanArgument): PlanScript | null {
    let script = this.scriptOf.get(plan);
    if (script === undefined) {
      script = this.scripts.get(plan.signature) ?? null;
      if (script === null && this.scripts.size < this.planScripts && plan.scriptable) {
        script = planScript(plan.limits, plan.blocks);
        this.scripts.set(plan.signature, script);
      }
      this.scriptOf.set(plan, script);
    }
    return script;
  }

  /**
   * One command: EVAL the first time this storage runs the script (which loads it), EVALSHA from
   * then on; after a NOSCRIPT (a Redis restart, SCRIPT FLUSH, or a Cluster node that has not run it
   * yet), EVAL. One `then` for the answer and the NOSCRIPT case: no promise more than needed.
   */
  private run(request: ConsumeRequest, script: PlanScript, args: string[]): Promise<ConsumeResult> {
    const parse = (reply: unknown) => this.parse(request, reply);
    if (!this.sent.has(script)) {
      this.sent.add(script);
      return this.client.eval(script.text, 1, args).then(parse);
    }
    return this.client
      .evalsha(script.sha, 1, args)
      .then(parse, (error: unknown) =>
        isNoScript(error) ? this.client.eval(script.text, 1, args).then(parse) : Promise.reject(error),
      );
  }

  /** The script's reply: its numbers as little-endian doubles (see `CONSUME_SCRIPT`). */
  private parse(request: ConsumeRequest, reply: unknown): ConsumeResult {
    if (!(reply instanceof Uint8Array)) {
      throw new TypeError(
        `RedisStorage's script answered ${typeof reply}, not binary: is the client's reply decoding changed?`,
      );
    }
    const values = Buffer.isBuffer(reply) ? reply : Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
    const count = request.limits.length;
    const limits: LimitStatus[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const remaining = values.readDoubleLE(24 + i * 16);
      const time = values.readDoubleLE(32 + i * 16);
      limits[i] =
        remaining < 0
          ? { remaining: 0, resetMs: 0, retryAfterMs: 0, unknown: true }
          : time < 0
            ? { remaining, resetMs: -time, retryAfterMs: -time }
            : { remaining, resetMs: time, retryAfterMs: 0 };
    }
    const blocked = values.readDoubleLE(8) === 1;
    if (blocked) {
      const now = this.now();
      const at = 24 + count * 16;
      request.blocks.forEach((block, j) => {
        const left = values.readDoubleLE(at + j * 8);
        if (left > 0) this.blocked.add(request.identityKey, block.key, now + left);
      });
    }
    return { allowed: values.readDoubleLE(0) === 1, retryAfterMs: values.readDoubleLE(16), blocked, limits };
  }

  private now(): number {
    return this.clock === undefined ? Date.now() : this.clock();
  }
}

/** The parts of the script's arguments that depend only on a request's limits and blocks (see `CONSUME_SCRIPT`). */
interface PlanArgument {
  limits: readonly LimitCheck[];
  blocks: readonly BlockScope[];
  /** `,L,B,...` of ARGV[1]: its numbers after now, peek and the TTL slack, before the costs. */
  numbers: string;
  /** ARGV[2..]: `""`, `k#s` of each counter, the block fields. */
  fields: string[];
  /** `fields`, then `k#1`, `k#2` and `k` of each counter: the 0.1-compatible script's HMGET arguments. */
  compatibleFields: string[];
  /** The plan's content (numbers and fields): plans of equal content share one plan script. */
  signature: string;
  /** Whether a plan script can be written for it (at least one limit, not too many). */
  scriptable: boolean;
}

/** The generic script, for plans without a script of their own. */
const GENERIC_SCRIPT: PlanScript = { text: CONSUME_SCRIPT, sha: CONSUME_SCRIPT_SHA };
const COMPATIBLE_0_1_SCRIPT: PlanScript = {
  text: CONSUME_SCRIPT_COMPATIBLE_0_1,
  sha: createHash('sha1').update(CONSUME_SCRIPT_COMPATIBLE_0_1).digest('hex'),
};

/** The plan part of the script's arguments, built once per `limits` array (the guard's are long-lived). */
const planArguments = new WeakMap<readonly LimitCheck[], PlanArgument>();

function planArgument(limits: readonly LimitCheck[], blocks: readonly BlockScope[]): PlanArgument {
  const known = planArguments.get(limits);
  if (known !== undefined && known.blocks === blocks) return known;
  let numbers = `,${limits.length},${blocks.length}`;
  for (const limit of limits) {
    const algorithm = SCRIPT_ALGORITHMS.indexOf(limit.algorithm) + 1;
    numbers += `,${algorithm},${limit.limit},${limit.windowMs},${limit.block + 1},${limit.shadow ? 1 : 0}`;
  }
  for (const block of blocks) numbers += `,${block.durationMs}`;
  const fields = ['', ...limits.map((limit) => `${limit.key}#s`), ...blocks.map((block) => block.key)];
  const plan: PlanArgument = {
    limits,
    blocks,
    numbers,
    fields,
    compatibleFields: [...fields, ...limits.flatMap((limit) => earlierFields(limit.key))],
    signature: JSON.stringify([numbers, fields]),
    scriptable:
      limits.length > 0 && limits.length <= PLAN_SCRIPT_MAX_ENTRIES && blocks.length <= PLAN_SCRIPT_MAX_ENTRIES,
  };
  planArguments.set(limits, plan);
  return plan;
}
