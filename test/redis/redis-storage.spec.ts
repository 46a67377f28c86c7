import fc from 'fast-check';
import {
  MemoryStorage,
  RedisStorage,
  type Algorithm,
  type BlockScope,
  type ConsumeRequest,
  type LimitCheck,
  type RedisStorageOptions,
} from '../../lib/index.js';
import { luaString, planScript } from '../../lib/storage/redis.plan-script.js';
import { CONSUME_SCRIPT_SHA } from '../../lib/storage/redis.script.js';
import { FakeClock } from '../support/app.js';
import { useRedisServer } from '../support/redis-harness.js';
import { LEGACY_CONSUME_SCRIPT } from './support/legacy-consume-script.js';
import { TWO_FIELD_CONSUME_SCRIPT, twoFieldArguments } from './support/two-field-consume-script.js';

/** Limits a request may combine; several share a key (same counter) on purpose. */
const LIMITS: Omit<LimitCheck, 'block'>[] = [
  { key: ':p:a:*:1000:fixed-window', limit: 2, windowMs: 1000, algorithm: 'fixed-window' },
  { key: ':p:a:*:5000:fixed-window', limit: 5, windowMs: 5000, algorithm: 'fixed-window' },
  { key: ':p:b:*:1000:gcra', limit: 3, windowMs: 1000, algorithm: 'gcra' },
  { key: ':p:b:*:7001:gcra', limit: 7, windowMs: 7001, algorithm: 'gcra' },
  { key: ':p:c:*:1000:sliding-window', limit: 3, windowMs: 1000, algorithm: 'sliding-window' },
  { key: ':p:c:*:3000:sliding-window', limit: 1500, windowMs: 3000, algorithm: 'sliding-window' },
  { key: ':p:c:*:4000:sliding-window', limit: 0, windowMs: 4000, algorithm: 'sliding-window' },
];
const BLOCKS: BlockScope[] = [
  { key: ':p:a:*:block', durationMs: 0 },
  { key: ':p:b:*:block', durationMs: 2500 },
  { key: ':p:c:*:block', durationMs: 700 },
];

const step = fc.record({
  advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 400, max: 3000 })),
  user: fc.constantFrom('u1', 'u:2'),
  limits: fc.uniqueArray(fc.integer({ min: 0, max: LIMITS.length - 1 }), { minLength: 1, maxLength: 4 }),
  duplicate: fc.boolean(),
  peek: fc.boolean(),
  block: fc.array(fc.integer({ min: 0, max: BLOCKS.length - 1 }), { minLength: 4, maxLength: 4 }),
});

const redis = useRedisServer();

/** Two storages on one Redis and one state: plan scripts (the default), and the generic script only. */
const planAndGenericScripts = (clock: FakeClock): RedisStorage[] => [
  new RedisStorage(redis.client, { clock: clock.now }),
  new RedisStorage(redis.client, { clock: clock.now, planScripts: 0 }),
];

describe('RedisStorage', () => {
  it('makes the same decisions as MemoryStorage on random traces (every algorithm, blocks, peeks, shared keys; plan scripts and the generic script in turn on one state)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (steps) => {
        run++;
        const clock = new FakeClock();
        const memory = new MemoryStorage({ clock: clock.now });
        const storages = planAndGenericScripts(clock);
        for (const [index, s] of steps.entries()) {
          const redis = storages[index % 2];
          clock.advance(s.advanceMs);
          const limits: LimitCheck[] = s.limits.map((i, n) => ({ ...LIMITS[i], block: s.block[n] }));
          if (s.duplicate) limits.push({ ...limits[0] });
          const request: ConsumeRequest = {
            identityKey: `diff${run}:{${s.user}}`,
            limits,
            blocks: BLOCKS,
            peek: s.peek,
          };
          const expected = memory.consume(request);
          const actual = await redis.consume(request);
          if (JSON.stringify(actual) !== JSON.stringify(expected)) {
            throw new Error(
              `step ${index}: ${JSON.stringify(s)}\nmemory: ${JSON.stringify(expected)}\nredis:  ${JSON.stringify(actual)}`,
            );
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a long sliding-window log (sealed chunks read back, skipped when dead, read for a retry time) decides as MemoryStorage does', async () => {
    const limits: LimitCheck[] = [
      { key: ':long:60', limit: 60, windowMs: 1500, algorithm: 'sliding-window', block: 0 },
      { key: ':long:300', limit: 300, windowMs: 4000, algorithm: 'sliding-window', block: 0 },
      { key: ':long:2000', limit: 2000, windowMs: 10_000, algorithm: 'sliding-window', block: 0, shadow: true },
      // The 300 counter under a lowered limit: a rejection's retry time lies deep in the log.
      { key: ':long:300', limit: 50, windowMs: 4000, algorithm: 'sliding-window', block: 0 },
    ];
    const blocks: BlockScope[] = [{ key: ':long:block', durationMs: 0 }];
    let run = 0;
    let chunksSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            advanceMs: fc.oneof(
              { arbitrary: fc.integer({ min: 0, max: 30 }), weight: 30 },
              { arbitrary: fc.integer({ min: 30, max: 3000 }), weight: 1 },
            ),
            subset: fc.constantFrom([0, 1, 2], [0], [1, 2], [2], [1], [3]),
            cost: fc.oneof(
              { arbitrary: fc.constant(1), weight: 12 },
              { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 1 },
            ),
            peek: fc.boolean(),
          }),
          { minLength: 100, maxLength: 400 },
        ),
        async (steps) => {
          run++;
          const clock = new FakeClock();
          const memory = new MemoryStorage({ clock: clock.now });
          const storages = planAndGenericScripts(clock);
          const identityKey = `long${run}:{zed}`;
          for (const [index, step] of steps.entries()) {
            clock.advance(step.advanceMs);
            const chosen = step.subset.map((i) => limits[i]);
            const request: ConsumeRequest = {
              identityKey,
              limits: chosen,
              blocks,
              costs: chosen.map(() => step.cost),
              peek: step.peek && index % 7 === 0,
            };
            const expected = memory.consume(request);
            const actual = await storages[index % 2].consume(request);
            if (JSON.stringify(actual) !== JSON.stringify(expected)) {
              throw new Error(
                `step ${index}: ${JSON.stringify(step)}\nmemory: ${JSON.stringify(expected)}\nredis:  ${JSON.stringify(actual)}`,
              );
            }
            if (index % 50 === 49) {
              const fields = await redis.client.hkeys(identityKey);
              chunksSeen += fields.filter((field) => /#c\d+$/.test(field)).length;
            }
          }
        },
      ),
      { numRuns: 15 },
    );
    expect(chunksSeen).toBeGreaterThan(0);
  });

  it('keeps all state of an identity in one hash under its hash tag, expiring when the state is dead', async () => {
    const storage = new RedisStorage(redis.client);
    const request: ConsumeRequest = {
      identityKey: 'layout:{alice}',
      limits: [
        { key: ':z:x:*:60000:fixed-window', limit: 5, windowMs: 60_000, algorithm: 'fixed-window', block: 0 },
        { key: ':z:x:*:1000:gcra', limit: 5, windowMs: 1000, algorithm: 'gcra', block: 0 },
      ],
      blocks: [{ key: ':z:x:*:block', durationMs: 0 }],
    };
    await storage.consume(request);
    expect(await redis.client.keys('layout:*')).toEqual(['layout:{alice}']);
    const fields = await redis.client.hgetallBuffer('layout:{alice}');
    // A counter is one field holding its numbers as little-endian doubles (count and resetAt of a fixed
    // window); the field "" holds the time until which the hash's TTL covers every state (extended
    // with a quarter to spare, not at every call).
    expect(Object.keys(fields).sort()).toEqual(['', ':z:x:*:1000:gcra#s', ':z:x:*:60000:fixed-window#s']);
    const window = fields[':z:x:*:60000:fixed-window#s'];
    expect(window).toHaveLength(16);
    expect(window.readDoubleLE(0)).toBe(1);
    const resetAt = window.readDoubleLE(8);
    expect(Number.isInteger(resetAt)).toBe(true);
    const ttl = await redis.client.pttl('layout:{alice}');
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(75_000);
    expect(Number(fields[''].toString())).toBeGreaterThanOrEqual(resetAt);
  });

  it('uses Redis time, not the app clock', async () => {
    const storage = new RedisStorage(redis.client);
    const window = { limit: 1, windowMs: 60_000, algorithm: 'fixed-window' as Algorithm, block: 0 };
    const request = {
      identityKey: 'time:{bob}',
      limits: [{ key: ':w', ...window }],
      blocks: [{ key: ':b', durationMs: 0 }],
    };
    const [seconds] = await redis.client.time();
    await storage.consume(request);
    const resetAt = (await redis.client.hgetBuffer('time:{bob}', ':w#s'))!.readDoubleLE(8);
    expect(resetAt - Number(seconds) * 1000 - 60_000).toBeGreaterThanOrEqual(0);
    expect(resetAt - Number(seconds) * 1000 - 60_000).toBeLessThan(5_000);
  });

  it.each<[string, RedisStorageOptions, (request: ConsumeRequest) => string]>([
    ['its plan script', {}, (request: ConsumeRequest) => planScript(request.limits, request.blocks).sha],
    ['the generic script (planScripts: 0)', { planScripts: 0 }, () => CONSUME_SCRIPT_SHA],
  ])(
    'runs again after SCRIPT FLUSH with %s (NOSCRIPT falls back to EVAL, which loads it)',
    async (_, options, shaOf) => {
      const storage = new RedisStorage(redis.client, options);
      const request: ConsumeRequest = {
        identityKey: `flush:{carol-${String(options.planScripts)}}`,
        limits: [{ key: ':w', limit: 2, windowMs: 60_000, algorithm: 'fixed-window', block: 0 }],
        blocks: [{ key: ':b', durationMs: 0 }],
      };
      expect((await storage.consume(request)).allowed).toBe(true);
      await redis.client.script('FLUSH');
      expect(await redis.client.script('EXISTS', shaOf(request), CONSUME_SCRIPT_SHA)).toEqual([0, 0]);
      expect((await storage.consume(request)).allowed).toBe(true);
      expect(await redis.client.script('EXISTS', shaOf(request))).toEqual([1]);
      expect((await storage.consume(request)).allowed).toBe(false);
      // Only the script used was loaded.
      const other =
        shaOf(request) === CONSUME_SCRIPT_SHA ? planScript(request.limits, request.blocks).sha : CONSUME_SCRIPT_SHA;
      expect(await redis.client.script('EXISTS', other)).toEqual([0]);
    },
  );

  it('gives at most `planScripts` plans a script of their own (plans of equal content share one), the others the generic script', async () => {
    const clock = new FakeClock();
    const storage = new RedisStorage(redis.client, { clock: clock.now, planScripts: 2 });
    const planOf = (limit: number): Pick<ConsumeRequest, 'limits' | 'blocks'> => ({
      limits: [{ key: `:cap:${limit}`, limit, windowMs: 60_000, algorithm: 'gcra', block: 0 }],
      blocks: [{ key: ':cap:block', durationMs: 0 }],
    });
    await redis.client.script('FLUSH');
    const plans = [planOf(1), planOf(2), { ...planOf(1) }, planOf(3), planOf(4)];
    plans[2] = { limits: planOf(1).limits.map((limit) => ({ ...limit })), blocks: [...planOf(1).blocks] }; // equal content, new arrays
    for (const plan of plans) {
      const request = { identityKey: 'cap:{gina}', ...plan };
      expect((await storage.consume(request)).allowed).toBe(plan !== plans[2]); // limit 1: the 2nd hit is rejected
    }
    const shas = [planOf(1), planOf(2), planOf(3), planOf(4)].map((plan) => planScript(plan.limits, plan.blocks).sha);
    expect(await redis.client.script('EXISTS', ...shas, CONSUME_SCRIPT_SHA)).toEqual([1, 1, 0, 0, 1]);
    expect(() => new RedisStorage(redis.client, { planScripts: -1 })).toThrow(/planScripts: -1; give a number >= 0/);
  });

  it('writes every field name into a plan script as the client sends it as an argument (quotes, newlines, UTF-8, lone surrogates)', async () => {
    const names = ['a\'b\\c"d', 'x\ny\r\0z', ':é:ü:日本:😀', '\ud800x', 'x\udfff', '', ']] -- [[', '%s%d'];
    for (const name of names) {
      const literal = await redis.client.eval(`return ${luaString(name)}`, 0);
      const argument = await redis.client.eval('return ARGV[1]', 0, name);
      expect(literal).toEqual(argument);
    }
  });

  it('reset deletes every counter and block of the identity, and only of that identity', async () => {
    const storage = new RedisStorage(redis.client);
    const limits: LimitCheck[] = [{ key: ':w', limit: 1, windowMs: 60_000, algorithm: 'gcra', block: 0 }];
    const blocks: BlockScope[] = [{ key: ':b', durationMs: 60_000 }];
    for (const user of ['dave', 'dave}x', 'erin']) {
      await storage.consume({ identityKey: `reset:{${user}}`, limits, blocks });
      await storage.consume({ identityKey: `reset:{${user}}`, limits, blocks });
    }
    expect((await storage.consume({ identityKey: 'reset:{dave}', limits, blocks })).blocked).toBe(true);
    await storage.reset('reset:{dave}');
    expect((await storage.consume({ identityKey: 'reset:{dave}', limits, blocks })).allowed).toBe(true);
    expect((await storage.consume({ identityKey: 'reset:{erin}', limits, blocks })).blocked).toBe(true);
    expect(await redis.client.exists('reset:{dave}x}', 'reset:{erin}')).toBe(2);
  });

  it('during a block, the script and the blocked cache answer alike: the blocked scope reports the block, the other is unknown', async () => {
    const clock = new FakeClock();
    const request: ConsumeRequest = {
      identityKey: 'blocked-statuses:{frank}',
      limits: [
        { key: ':a', limit: 1, windowMs: 1000, algorithm: 'fixed-window', block: 0 },
        { key: ':b', limit: 100, windowMs: 60_000, algorithm: 'gcra', block: 1 },
      ],
      blocks: [
        { key: ':a:block', durationMs: 5000 },
        { key: ':b:block', durationMs: 0 },
      ],
    };
    const cached = new RedisStorage(redis.client, { clock: clock.now });
    await cached.consume(request);
    const blocking = await cached.consume(request);
    expect(blocking).toMatchObject({ allowed: false, blocked: true, retryAfterMs: 5000 });
    expect(blocking.limits).toEqual([
      { remaining: 0, resetMs: 5000, retryAfterMs: 5000 },
      { remaining: 99, resetMs: 600, retryAfterMs: 0 },
    ]);
    clock.advance(2000);
    const uncached = new RedisStorage(redis.client, { clock: clock.now, blockedCacheSize: 0 });
    const expected = {
      allowed: false,
      blocked: true,
      retryAfterMs: 3000,
      limits: [
        { remaining: 0, resetMs: 3000, retryAfterMs: 3000 },
        { remaining: 0, resetMs: 0, retryAfterMs: 0, unknown: true },
      ],
    };
    expect(await cached.consume(request)).toEqual(expected); // from the blocked cache, no round trip
    expect(await uncached.consume(request)).toEqual(expected); // from the script
  });

  it('rejects a client that is not an ioredis client with a message saying what to pass', () => {
    expect(() => new RedisStorage({} as never)).toThrow(/needs a Redis client of ioredis or iovalkey \(new Redis/);
  });
});

/** Two limits in one scope that blocks for 30 s, and one in a second scope. */
function upgradeRequestOf(user: string, algorithm: Algorithm): ConsumeRequest {
  return {
    identityKey: `upgrade:{${user}}`,
    limits: [
      { key: `:a:1000:${algorithm}`, limit: 2, windowMs: 1000, algorithm, block: 0 },
      { key: `:a:60000:${algorithm}`, limit: 6, windowMs: 60_000, algorithm, block: 0 },
      { key: `:b:60000:${algorithm}`, limit: 4, windowMs: 60_000, algorithm, block: 1 },
    ],
    blocks: [
      { key: ':a:block', durationMs: 30_000 },
      { key: ':b:block', durationMs: 0 },
    ],
  };
}

/** One call of the first script (one text field per counter) with its argument format (23 arguments for 3 limits). */
async function textFieldConsume(request: ConsumeRequest, now: number): Promise<string[]> {
  const args: (string | number)[] = [now, 0, 600_000, request.limits.length, request.blocks.length];
  for (const limit of request.limits)
    args.push(limit.key, limit.limit, limit.windowMs, limit.algorithm, limit.block + 1);
  for (const block of request.blocks) args.push(block.key, block.durationMs);
  return String(await redis.client.eval(LEGACY_CONSUME_SCRIPT, 1, request.identityKey, ...args)).split(',');
}

/** One call of the second script (two fields holding numbers per counter) with its argument format. */
async function twoFieldConsume(request: ConsumeRequest, now: number): Promise<string[]> {
  const args = twoFieldArguments(request, now, 600_000);
  const reply = await redis.client.eval(TWO_FIELD_CONSUME_SCRIPT, 1, request.identityKey, ...args);
  return (reply as number[]).map(String);
}

const PREVIOUS_SCRIPTS: [string, typeof textFieldConsume][] = [
  ['the first script (one text field per counter)', textFieldConsume],
  ['the second script (two fields holding numbers per counter)', twoFieldConsume],
];

// An upgrade during traffic: state written by an earlier script is read by the new one without an
// error and without forgetting a hit, counter by counter (whichever plan touches it first).
describe.each(
  PREVIOUS_SCRIPTS.flatMap(([name, previous]) =>
    (['fixed-window', 'sliding-window', 'gcra'] as Algorithm[]).map((algorithm) => ({ name, previous, algorithm })),
  ),
)('upgrade from $name, $algorithm', ({ previous, algorithm }) => {
  const tag = `${previous.name}-${algorithm}`;
  it.each<[string, RedisStorageOptions]>([
    ['its plan script', {}],
    ['the generic script', { planScripts: 0 }],
  ])(
    'carries over every counter with %s: no error, the quota left is the same, nothing is admitted twice; the old fields go',
    async (_, options) => {
      const clock = new FakeClock();
      const user = `carry-${tag}-${String(options.planScripts)}`;
      const scopeB = { ...upgradeRequestOf(user, algorithm), limits: [upgradeRequestOf(user, algorithm).limits[2]] };
      // Before: 1 hit in scope a (1 s, 60 s), 3 hits in scope b (limit 4), spread so that the
      // sliding window holds several pairs.
      expect((await previous(upgradeRequestOf(user, algorithm), clock.now()))[0]).toBe('1');
      for (let i = 0; i < 2; i++) {
        clock.advance(100);
        expect((await previous(scopeB, clock.now()))[0]).toBe('1');
      }
      const storage = new RedisStorage(redis.client, { clock: clock.now, ...options });
      clock.advance(100);
      // After: scope b has room for exactly one more hit (GCRA: 15 s a token at 4/min, 300 ms spent).
      const first = await storage.consume(upgradeRequestOf(user, algorithm));
      expect(first).toMatchObject({ allowed: true, limits: [{ remaining: 0 }, { remaining: 4 }, { remaining: 0 }] });
      const second = await storage.consume(scopeB);
      expect(second).toMatchObject({ allowed: false, blocked: false });
      expect(second.retryAfterMs).toBeGreaterThan(0);
      // The 1 s limit of scope a holds the old hit and the new one: the next is rejected and blocks.
      const third = await storage.consume(upgradeRequestOf(user, algorithm));
      expect(third).toMatchObject({ allowed: false, blocked: true });
      expect(third.limits[0]).toMatchObject({ remaining: 0, retryAfterMs: 30_000 });
      expect(third.retryAfterMs).toBeGreaterThanOrEqual(30_000);
      // Only this version's fields are left: one per counter, the blocks, "".
      const fields = Object.keys(await redis.client.hgetall(`upgrade:{${user}}`)).sort();
      expect(fields).toEqual(
        ['', ...upgradeRequestOf(user, algorithm).limits.map((limit) => `${limit.key}#s`), ':a:block'].sort(),
      );
    },
  );

  it('carries over a counter that the first requests after the upgrade did not touch', async () => {
    const clock = new FakeClock();
    const user = `untouched-${tag}`;
    const request = upgradeRequestOf(user, algorithm);
    const scopeA = { ...request, limits: request.limits.slice(0, 2) };
    const scopeB = { ...request, limits: [request.limits[2]] };
    for (let i = 0; i < 4; i++) expect((await previous(scopeB, clock.now()))[0]).toBe('1');
    const storage = new RedisStorage(redis.client, { clock: clock.now });
    expect((await storage.consume(scopeA)).allowed).toBe(true); // the hash now has this version's fields
    clock.advance(100);
    expect(await storage.consume(scopeB)).toMatchObject({ allowed: false, limits: [{ remaining: 0 }] });
  });

  it('a block set by the previous script keeps blocking', async () => {
    const clock = new FakeClock();
    const user = `block-${tag}`;
    const request = upgradeRequestOf(user, algorithm);
    for (let i = 0; i < 2; i++) expect((await previous(request, clock.now()))[0]).toBe('1');
    const blocked = await previous(request, clock.now());
    expect(blocked.slice(0, 3)).toEqual(['0', '1', '30000']);
    clock.advance(10_000);
    const storage = new RedisStorage(redis.client, { clock: clock.now, blockedCacheSize: 0 });
    expect(await storage.consume(request)).toMatchObject({ allowed: false, blocked: true, retryAfterMs: 20_000 });
    clock.advance(20_000);
    // The block is over; the 60 s limit of scope a still holds the 2 old hits (GCRA: 20 s of 60 s used).
    const after = await storage.consume(request);
    expect(after).toMatchObject({ allowed: true, blocked: false });
    expect(after.limits[1].remaining).toBe(algorithm === 'gcra' ? 5 : 3);
  });
});
