import fc from 'fast-check';
import {
  MemoryStorage,
  RedisStorage,
  type BlockScope,
  type ConsumeRequest,
  type ConsumeResult,
  type LimitCheck,
} from '../../lib/index.js';
import { FakeClock } from '../support/app.js';
import { useRedisServer } from '../support/redis-harness.js';
import { TWO_FIELD_CONSUME_SCRIPT, twoFieldArguments } from './support/two-field-consume-script.js';

// A rolling upgrade from 0.1: instances of 0.1 (its script, kept verbatim) and of this version count
// in the same Redis at the same time. With `compatibleWith: '0.1'` every decision is the one a single
// storage makes (MemoryStorage here), also in the next deploy, where instances with and without the
// option overlap; without the option the two versions count apart.

const redis = useRedisServer();

/** Something that counts a request: an instance of some version. */
type Instance = (request: ConsumeRequest) => Promise<ConsumeResult>;

/** An instance of 0.1: its script with its argument format, its reply read as RedisStorage read it. */
function version01(clock: FakeClock): Instance {
  return async (request) => {
    const args = twoFieldArguments(request, clock.now(), 600_000);
    const r = (await redis.client.eval(TWO_FIELD_CONSUME_SCRIPT, 1, request.identityKey, ...args)) as number[];
    const limits = request.limits.map((_, i) => {
      const [remaining, time] = [r[2 * i + 3], r[2 * i + 4]];
      if (remaining < 0) return { remaining: 0, resetMs: 0, retryAfterMs: 0, unknown: true };
      return time < 0
        ? { remaining, resetMs: -time, retryAfterMs: -time }
        : { remaining, resetMs: time, retryAfterMs: 0 };
    });
    return { allowed: r[0] === 1, retryAfterMs: r[2], blocked: r[1] === 1, limits };
  };
}

const storageInstance =
  (storage: RedisStorage): Instance =>
  async (request) =>
    storage.consume(request);

/** Limits a request may combine: every algorithm, shared counters, a long sliding log (chunks), shadow, limit 0. */
const LIMITS: Omit<LimitCheck, 'block'>[] = [
  { key: ':a:1000:fixed-window', limit: 3, windowMs: 1000, algorithm: 'fixed-window' },
  { key: ':a:5000:fixed-window', limit: 8, windowMs: 5000, algorithm: 'fixed-window' },
  { key: ':b:1000:gcra', limit: 3, windowMs: 1000, algorithm: 'gcra' },
  { key: ':b:7001:gcra', limit: 7, windowMs: 7001, algorithm: 'gcra', shadow: true },
  { key: ':c:1000:sliding-window', limit: 4, windowMs: 1000, algorithm: 'sliding-window' },
  { key: ':c:10000:sliding-window', limit: 150, windowMs: 10_000, algorithm: 'sliding-window' },
  { key: ':c:3000:sliding-window', limit: 1500, windowMs: 3000, algorithm: 'sliding-window' },
  { key: ':c:10000:sliding-window', limit: 40, windowMs: 10_000, algorithm: 'sliding-window' },
  { key: ':c:4000:sliding-window', limit: 0, windowMs: 4000, algorithm: 'sliding-window' },
];
/** The limit whose log grows long (150 hits in 10 s), alone in 3 of 4 requests, in a scope that never blocks. */
const LONG_LOG = 5;
const LONG_LOG_BLOCKS: BlockScope[] = [{ key: ':long:block', durationMs: 0 }];
/** Steps of the second deploy's phase that go to the plain instance (enough to seal a chunk: 32 hits). */
const PLAIN_ALONE = 60;
const BLOCKS: BlockScope[] = [
  { key: ':a:block', durationMs: 0 },
  { key: ':b:block', durationMs: 1500 },
  { key: ':c:block', durationMs: 600 },
];

const step = fc.record({
  advanceMs: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 20 }), weight: 30 },
    { arbitrary: fc.integer({ min: 20, max: 2500 }), weight: 1 },
  ),
  first: fc.boolean(),
  limits: fc.uniqueArray(fc.integer({ min: 0, max: LIMITS.length - 1 }), { minLength: 1, maxLength: 4 }),
  longLog: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
  block: fc.array(fc.integer({ min: 0, max: BLOCKS.length - 1 }), { minLength: 4, maxLength: 4 }),
  cost: fc.oneof({ arbitrary: fc.constant(1), weight: 8 }, { arbitrary: fc.integer({ min: 0, max: 6 }), weight: 1 }),
  peek: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

describe("RedisStorage({ compatibleWith: '0.1' }) during a rolling upgrade", () => {
  it('0.1 and this version count as one storage: first 0.1 with the option, then the option with plain instances, then plain instances (random traces against MemoryStorage)', async () => {
    let run = 0;
    let chunked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3 * (PLAIN_ALONE + 30), maxLength: 360 }), async (steps) => {
        run++;
        const clock = new FakeClock();
        const memory = new MemoryStorage({ clock: clock.now });
        const compatible = new RedisStorage(redis.client, { clock: clock.now, compatibleWith: '0.1' });
        const phases: [string, Instance, Instance][] = [
          ['0.1 and compatibleWith 0.1', version01(clock), storageInstance(compatible)],
          [
            'compatibleWith 0.1 and plain',
            storageInstance(compatible),
            storageInstance(new RedisStorage(redis.client, { clock: clock.now })),
          ],
          [
            'plain (plan scripts and generic)',
            storageInstance(new RedisStorage(redis.client, { clock: clock.now })),
            storageInstance(new RedisStorage(redis.client, { clock: clock.now, planScripts: 0 })),
          ],
        ];
        const identityKey = `rolling${run}:{u}`;
        const phaseLength = Math.ceil(steps.length / 3);
        for (const [index, s] of steps.entries()) {
          const [phase, first, second] = phases[Math.floor(index / phaseLength)];
          // The plain instance alone at the start of the second deploy: its sliding window seals chunks.
          const useFirst = phase === phases[1][0] && index % phaseLength < PLAIN_ALONE ? false : s.first;
          clock.advance(s.advanceMs);
          const limits = s.longLog
            ? [{ ...LIMITS[LONG_LOG], block: 0 }]
            : s.limits.map((i, n) => ({ ...LIMITS[i], block: s.block[n] }));
          const request: ConsumeRequest = {
            identityKey,
            limits,
            blocks: s.longLog ? LONG_LOG_BLOCKS : BLOCKS,
            peek: s.peek,
            costs: s.cost === 1 ? undefined : limits.map(() => s.cost),
          };
          if (phase === phases[1][0] && useFirst) {
            const fields = await redis.client.hkeys(identityKey);
            if (fields.some((field) => /#c\d+$/.test(field))) chunked++;
          }
          const expected = memory.consume(request);
          const actual = await (useFirst ? first : second)(request);
          if (JSON.stringify(actual) !== JSON.stringify(expected)) {
            throw new Error(
              `step ${index} (${phase}, ${useFirst ? 'first' : 'second'}): ${JSON.stringify(s)}\n` +
                `memory: ${JSON.stringify(expected)}\nredis:  ${JSON.stringify(actual)}`,
            );
          }
        }
      }),
      { numRuns: 20, endOnFailure: true }, // no shrinking: the error names the step and the instance
    );
    // Plain instances sealed sliding-window chunks that the compatible one then read in.
    expect(chunked).toBeGreaterThan(0);
  }, 60_000);

  const minute = (user: string): ConsumeRequest => ({
    identityKey: `quota:{${user}}`,
    limits: [{ key: ':m:60000:fixed-window', limit: 5, windowMs: 60_000, algorithm: 'fixed-window', block: 0 }],
    blocks: [{ key: ':m:block', durationMs: 0 }],
  });

  /** Requests admitted of 12, sent in turn to an instance of 0.1 and to `storage`. */
  async function admittedInTurn(storage: RedisStorage, clock: FakeClock, user: string): Promise<number> {
    const previous = version01(clock);
    let admitted = 0;
    for (let i = 0; i < 12; i++) {
      clock.advance(10);
      const result = await (i % 2 === 0 ? previous : storageInstance(storage))(minute(user));
      if (result.allowed) admitted++;
    }
    return admitted;
  }

  it('admits exactly the limit to a client whose requests alternate between 0.1 and this version; without the option, more', async () => {
    const clock = new FakeClock();
    const compatible = new RedisStorage(redis.client, { clock: clock.now, compatibleWith: '0.1' });
    expect(await admittedInTurn(compatible, clock, 'with-option')).toBe(5);
    const plain = new RedisStorage(redis.client, { clock: clock.now });
    expect(await admittedInTurn(plain, clock, 'without-option')).toBeGreaterThan(5);
  });

  it("keeps counters in 0.1's fields only, deleting this version's field and chunks", async () => {
    const clock = new FakeClock();
    const request: ConsumeRequest = {
      identityKey: 'fields:{f}',
      limits: [{ key: ':s', limit: 100, windowMs: 60_000, algorithm: 'sliding-window', block: 0 }],
      blocks: [],
    };
    const plain = new RedisStorage(redis.client, { clock: clock.now });
    for (let i = 0; i < 70; i++) {
      clock.advance(5);
      expect((await plain.consume(request)).allowed).toBe(true);
    }
    expect(
      (await redis.client.hkeys(request.identityKey)).filter((field) => field.startsWith(':s#c')).length,
    ).toBeGreaterThan(0);
    const compatible = new RedisStorage(redis.client, { clock: clock.now, compatibleWith: '0.1' });
    clock.advance(5);
    expect(await compatible.consume(request)).toMatchObject({ allowed: true, limits: [{ remaining: 29 }] });
    expect((await redis.client.hkeys(request.identityKey)).sort()).toEqual(['', ':s#1', ':s#2']);
    // 0.1 reads the whole log: 71 hits of 100.
    const counted = await version01(clock)({ ...request, peek: true });
    expect(counted.limits[0].remaining).toBe(28);
  });

  it('names what to pass when compatibleWith is not a version it knows', () => {
    expect(() => new RedisStorage(redis.client, { compatibleWith: '0.2' as '0.1' })).toThrow(
      'Invalid RedisStorage option compatibleWith: "0.2"; give \'0.1\' (during a rolling upgrade from 0.1) or leave it out.',
    );
  });
});
