import fc from 'fast-check';
import type { Algorithm, ConsumeRequest, ConsumeResult, RateLimitStorage } from '../../lib/index.js';
import type { CompiledRule } from '../../lib/rules/rule-compiler.js';
import { compileRule } from '../../lib/rules/rule-compiler.js';
import { identityKey } from '../../lib/utils/keys.js';
import { FakeClock } from '../support/app.js';
import { EDGE_CASES } from './edge-cases.js';
import { ReferenceStorage } from './reference-model.js';

/** A storage under test, built on a clock the suite controls. */
export interface ConformanceStorage {
  storage: RateLimitStorage;
  close(): Promise<void>;
  /**
   * Identities (or keys) that still hold state at the clock's current time, after the storage had
   * the chance to reclaim expired ones. Without it the reclaim test is skipped for this storage.
   */
  liveKeys?: () => Promise<number>;
}

/** Builds a fresh, empty storage whose time is `clock.now()`. */
export type ConformanceFactory = (clock: FakeClock) => Promise<ConformanceStorage>;

const ALGORITHMS: Algorithm[] = ['fixed-window', 'sliding-window', 'gcra'];

/**
 * One limit of a test request, in scope `:s<scope>` (default: its index), optionally with a block
 * time, a cost (default 1) and as a shadow limit.
 */
export interface LimitSpec {
  limit: number;
  windowMs: number;
  blockMs?: number;
  scope?: string;
  cost?: number;
  shadow?: boolean;
}

let identities = 0;
/** A key no other test uses, so cases and property runs never see each other's counters. */
const freshIdentity = () => identityKey('conformance', `user-${++identities}`);

/**
 * A request against `specs`: each counts on `:s<scope>:<window>:<algorithm>` and blocks `:s<scope>:block`;
 * `costs` only when some spec has a cost.
 */
export function requestOf(
  user: string,
  algorithm: Algorithm,
  specs: readonly LimitSpec[],
  peek = false,
): ConsumeRequest {
  return {
    identityKey: user,
    limits: specs.map((spec, i) => ({
      key: `:s${spec.scope ?? i}:${spec.windowMs}:${algorithm}`,
      limit: spec.limit,
      windowMs: spec.windowMs,
      algorithm,
      block: i,
      ...(spec.shadow ? { shadow: true } : {}),
    })),
    ...(specs.some((spec) => spec.cost !== undefined) ? { costs: specs.map((spec) => spec.cost ?? 1) } : {}),
    blocks: specs.map((spec, i) => ({ key: `:s${spec.scope ?? i}:block`, durationMs: spec.blockMs ?? 0 })),
    peek,
  };
}

/** The request the service builds for compiled rules (one block scope per rule). */
function requestOfRules(user: string, rules: readonly CompiledRule[], peek = false): ConsumeRequest {
  const request = {
    identityKey: user,
    limits: [] as ConsumeRequest['limits'][number][],
    blocks: [] as ConsumeRequest['blocks'][number][],
    peek,
  };
  for (const rule of rules) {
    const block = request.blocks.push(rule.block) - 1;
    for (const limit of rule.limits) request.limits.push({ ...limit, block });
  }
  return request;
}

/** The limits property traces pick from: the first one blocks its scope when it rejects. */
const TRACE_LIMITS: LimitSpec[] = [
  { limit: 3, windowMs: 1000, blockMs: 2500, scope: 'a' },
  { limit: 5, windowMs: 4000, scope: 'b' },
  { limit: 3, windowMs: 700, scope: 'c' }, // GCRA: one hit per 233⅓ ms
];

/**
 * `costs[i]`: the cost of TRACE_LIMITS[i] (undefined: no costs in the request); `shadow`: a mask of
 * the limits sent as shadow limits.
 */
type Step =
  | { kind: 'consume' | 'peek'; advanceMs: number; mask: number; costs?: number[]; shadow: number }
  /** Waits the Retry-After of the last rejection that was not a standing block, then sends it again. */
  | { kind: 'retry' };

/** Costs (0, 1, a few, above the limits) in about half the steps, and shadow limits in some. */
const extras = {
  costs: fc.option(
    fc.array(fc.constantFrom(0, 1, 1, 2, 3, 4), { minLength: TRACE_LIMITS.length, maxLength: TRACE_LIMITS.length }),
    {
      nil: undefined,
    },
  ),
  shadow: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: (1 << TRACE_LIMITS.length) - 1 })),
};

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('consume' as const),
      advanceMs: fc.oneof(fc.constantFrom(0, 0, 1, 233, 699, 700, 999, 1000, 1001), fc.integer({ min: 0, max: 5000 })),
      mask: fc.integer({ min: 1, max: (1 << TRACE_LIMITS.length) - 1 }),
      ...extras,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('peek' as const),
      advanceMs: fc.integer({ min: 0, max: 1500 }),
      mask: fc.integer({ min: 1, max: (1 << TRACE_LIMITS.length) - 1 }),
      ...extras,
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'retry' as const }) },
);

/** Statuses of the storage may be late by up to 1 s against the model, never early. */
function expectClose(actual: ConsumeResult, expected: ConsumeResult, context: string): void {
  const where = `${context}\nstorage:   ${JSON.stringify(actual)}\nreference: ${JSON.stringify(expected)}`;
  const late = (got: number, want: number) => got >= want && got <= want + 1000;
  const ok =
    actual.allowed === expected.allowed &&
    actual.blocked === expected.blocked &&
    late(actual.retryAfterMs, expected.retryAfterMs) &&
    actual.limits.length === expected.limits.length &&
    actual.limits.every(
      (status, i) =>
        (status.unknown ?? false) === (expected.limits[i].unknown ?? false) &&
        status.remaining === expected.limits[i].remaining &&
        late(status.resetMs, expected.limits[i].resetMs) &&
        late(status.retryAfterMs, expected.limits[i].retryAfterMs),
    );
  if (!ok) throw new Error(`Storage and reference model disagree at ${where}`);
}

/**
 * Hits counted per limit must respect the algorithm's bound, checked on the admitted times alone:
 * sliding window: at most `limit` in any `windowMs`; GCRA: at most `limit + d * limit / windowMs`
 * in any span of `d` ms; fixed window: at most `limit` in any window opened by a hit.
 */
function checkBounds(algorithm: Algorithm, spec: LimitSpec, times: readonly number[]): void {
  for (let j = 0; j < times.length; j++) {
    for (let i = 0; i <= j; i++) {
      const span = times[j] - times[i];
      const hits = j - i + 1;
      const bound =
        algorithm === 'gcra'
          ? spec.limit + (span * spec.limit) / spec.windowMs
          : span < spec.windowMs
            ? algorithm === 'sliding-window'
              ? spec.limit
              : 2 * spec.limit
            : Infinity;
      if (hits > bound) {
        throw new Error(`${algorithm} ${JSON.stringify(spec)} counted ${hits} hits in ${span} ms: ${times.join(',')}`);
      }
    }
  }
}

/**
 * Registers the storage conformance suite: the same request traces must get the same decisions
 * from every storage. Every case takes its time from the clock given to `factory`.
 */
export function describeStorageConformance(name: string, factory: ConformanceFactory): void {
  describe(`${name} storage conformance`, () => {
    let clock: FakeClock;
    let subject: ConformanceStorage;
    const consume = async (request: ConsumeRequest) => await subject.storage.consume(request);

    beforeEach(async () => {
      clock = new FakeClock();
      subject = await factory(clock);
    });
    afterEach(() => subject.close());

    describe.each(ALGORITHMS)('%s', (algorithm) => {
      it('matches the reference model on random traces (all-or-nothing, blocks, peeks, Retry-After)', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 50 }), async (steps) => {
            const user = freshIdentity();
            const reference = new ReferenceStorage();
            const admitted: number[][] = TRACE_LIMITS.map(() => []);
            let lastRejected: { step: Step & { kind: 'consume' }; retryAfterMs: number } | undefined;
            const log: string[] = [];
            for (const step of steps) {
              let sent: Step & { kind: 'consume' | 'peek' };
              if (step.kind === 'retry') {
                if (lastRejected === undefined) continue;
                clock.advance(lastRejected.retryAfterMs);
                sent = lastRejected.step;
              } else {
                clock.advance(step.advanceMs);
                sent = step;
              }
              const { mask, costs, shadow } = sent;
              const peek = sent.kind === 'peek';
              const specs = TRACE_LIMITS.flatMap((spec, i) =>
                mask & (1 << i) ? [{ ...spec, cost: costs?.[i], shadow: (shadow & (1 << i)) !== 0 }] : [],
              );
              const request = requestOf(user, algorithm, specs, peek);
              const standing = reference.blockedUntil(request, clock.now()) > 0;
              const actual = await consume(request);
              const expected = reference.consume(request, clock.now());
              log.push(
                `${step.kind} mask=${mask} costs=${costs ?? '-'} shadow=${shadow} t=${clock.now() - Date.UTC(2026, 0, 1)} -> ${actual.allowed}`,
              );
              expectClose(actual, expected, log.join('\n'));
              if (step.kind === 'retry' && !actual.allowed) {
                throw new Error(`Rejected again after waiting Retry-After:\n${log.join('\n')}`);
              }
              if (actual.allowed && !peek) {
                // What each limit counted: its cost, unless it is a shadow limit without room.
                let at = 0;
                TRACE_LIMITS.forEach((_, i) => {
                  if (!(mask & (1 << i))) return;
                  const status = actual.limits[at++];
                  if (status.retryAfterMs === 0)
                    for (let n = costs?.[i] ?? 1; n > 0; n--) admitted[i].push(clock.now());
                });
              }
              // After a standing block, Retry-After is the block's end only: the limits may still reject.
              // A hit admitted since the rejection may have used the quota the retry waits for. A cost
              // above a limit is never admitted, however long the wait.
              const neverAdmitted = specs.some((spec) => !spec.shadow && (spec.cost ?? 1) > spec.limit);
              if (!actual.allowed && !standing && !peek && !neverAdmitted)
                lastRejected = { step: sent as Step & { kind: 'consume' }, retryAfterMs: actual.retryAfterMs };
              // (a rejection that sets a block, as a cost above a limit may, changes what a retry meets).
              else if (step.kind === 'retry' || standing || actual.blocked || (actual.allowed && !peek))
                lastRejected = undefined;
            }
            TRACE_LIMITS.forEach((spec, i) => checkBounds(algorithm, spec, admitted[i]));
          }),
          { numRuns: 150 },
        );
      });

      it('admits exactly `limit` hits from idle, then rejects with a Retry-After that is exact to the ms', async () => {
        const user = freshIdentity();
        const minute = [{ limit: 4, windowMs: 60_000 }];
        for (let i = 0; i < 4; i++) {
          const result = await consume(requestOf(user, algorithm, minute));
          expect(result).toMatchObject({ allowed: true, retryAfterMs: 0, blocked: false });
          expect(result.limits[0].remaining).toBe(3 - i);
        }
        const rejected = await consume(requestOf(user, algorithm, minute));
        expect(rejected).toMatchObject({ allowed: false, blocked: false, limits: [{ remaining: 0 }] });
        expect(rejected.retryAfterMs).toBe(algorithm === 'gcra' ? 15_000 : 60_000);
        clock.advance(rejected.retryAfterMs - 1);
        expect((await consume(requestOf(user, algorithm, minute, true))).allowed).toBe(false);
        clock.advance(1);
        expect((await consume(requestOf(user, algorithm, minute))).allowed).toBe(true);
      });

      it('a request rejected by one limit counts in none of the others', async () => {
        const user = freshIdentity();
        const tight = { limit: 1, windowMs: 1000, scope: 'tight' };
        const loose = { limit: 10, windowMs: 60_000, scope: 'loose' };
        expect((await consume(requestOf(user, algorithm, [tight, loose]))).allowed).toBe(true);
        for (let i = 0; i < 5; i++) {
          const rejected = await consume(requestOf(user, algorithm, [tight, loose]));
          expect(rejected.allowed).toBe(false);
          expect(rejected.limits.map((status) => status.remaining)).toEqual([0, 9]); // nothing counted
        }
        const alone = await consume(requestOf(user, algorithm, [loose]));
        expect(alone.limits[0].remaining).toBe(8);
      });

      it('blockTime: a rejecting rule blocks its scope; blocked hits get the remaining block time and count nowhere', async () => {
        const user = freshIdentity();
        const blocking = { limit: 1, windowMs: 1000, blockMs: 5000, scope: 'blocking' };
        const other = { limit: 10, windowMs: 60_000, scope: 'other' };
        expect((await consume(requestOf(user, algorithm, [blocking, other]))).allowed).toBe(true);
        const first = await consume(requestOf(user, algorithm, [blocking, other]));
        expect(first).toMatchObject({ allowed: false, blocked: true, retryAfterMs: 5000 });
        for (const [advanceMs, left] of [
          [1000, 4000],
          [2500, 1500],
          [1499, 1],
        ]) {
          clock.advance(advanceMs);
          const blocked = await consume(requestOf(user, algorithm, [blocking, other]));
          expect(blocked).toMatchObject({ allowed: false, blocked: true, retryAfterMs: left });
        }
        // Another scope of the same identity is not blocked, and saw only the one admitted hit.
        expect((await consume(requestOf(user, algorithm, [other]))).limits[0].remaining).toBe(8);
        clock.advance(1);
        const after = await consume(requestOf(user, algorithm, [blocking, other]));
        expect(after).toMatchObject({ allowed: true, blocked: false });
        expect(after.limits[1].remaining).toBe(7);
      });

      it('a block is per identity and per scope', async () => {
        const [blockedUser, otherUser] = [freshIdentity(), freshIdentity()];
        const blocking = { limit: 1, windowMs: 1000, blockMs: 60_000 };
        await consume(requestOf(blockedUser, algorithm, [blocking]));
        expect((await consume(requestOf(blockedUser, algorithm, [blocking]))).blocked).toBe(true);
        expect((await consume(requestOf(otherUser, algorithm, [blocking]))).allowed).toBe(true);
        const elsewhere = { ...blocking, scope: 'elsewhere' };
        expect((await consume(requestOf(blockedUser, algorithm, [elsewhere]))).allowed).toBe(true);
      });

      it('zones: rules of two sources with the same zone share one counter; without a zone they count apart', async () => {
        const user = freshIdentity();
        const compile = (id: string, zone?: string) =>
          compileRule({ minute: 2, zone }, { kind: 'pattern', id, label: id }, { algorithm });
        const [zone1, zone2] = [compile('^/zone1', 'shared'), compile('^/zone2', 'shared')];
        expect((await consume(requestOfRules(user, [zone1]))).allowed).toBe(true);
        expect((await consume(requestOfRules(user, [zone2]))).allowed).toBe(true);
        expect((await consume(requestOfRules(user, [zone1]))).allowed).toBe(false);
        const [own1, own2] = [compile('^/own1'), compile('^/own2')];
        expect((await consume(requestOfRules(user, [own1]))).allowed).toBe(true);
        expect((await consume(requestOfRules(user, [own1]))).allowed).toBe(true);
        expect((await consume(requestOfRules(user, [own2]))).limits[0].remaining).toBe(1);
      });

      it('a limit of 0 rejects every hit, and the other limits of the request count nothing', async () => {
        const user = freshIdentity();
        const zero = { limit: 0, windowMs: 60_000, scope: 'zero' };
        const other = { limit: 5, windowMs: 60_000, scope: 'other' };
        for (let i = 0; i < 3; i++) {
          const rejected = await consume(requestOf(user, algorithm, [other, zero]));
          expect(rejected).toMatchObject({ allowed: false, blocked: false });
          expect(rejected.retryAfterMs).toBeGreaterThan(0);
          expect(rejected.limits[1].remaining).toBe(0);
          clock.advance(61_000);
        }
        expect((await consume(requestOf(user, algorithm, [other]))).limits[0].remaining).toBe(4);
      });

      it('peek reports the decision of a hit without counting it, even when rejected with a block time', async () => {
        const user = freshIdentity();
        const spec = [{ limit: 2, windowMs: 10_000, blockMs: 30_000 }];
        for (let i = 0; i < 3; i++) {
          const peeked = await consume(requestOf(user, algorithm, spec, true));
          expect(peeked).toMatchObject({ allowed: true, limits: [{ remaining: 1 }] });
        }
        await consume(requestOf(user, algorithm, spec));
        await consume(requestOf(user, algorithm, spec));
        const peeked = await consume(requestOf(user, algorithm, spec, true));
        expect(peeked).toMatchObject({ allowed: false, blocked: false });
        // The peek set no block: once the window frees a hit, it is admitted.
        clock.advance(peeked.retryAfterMs);
        expect((await consume(requestOf(user, algorithm, spec))).allowed).toBe(true);
      });

      it('reset forgets every counter and block of one identity, and only of that one', async () => {
        const [user, bystander] = [freshIdentity(), freshIdentity()];
        const blocking = [{ limit: 1, windowMs: 60_000, blockMs: 60_000, scope: 'blocking' }];
        const counting = [{ limit: 3, windowMs: 60_000, scope: 'other' }];
        for (const who of [user, bystander]) {
          await consume(requestOf(who, algorithm, blocking));
          await consume(requestOf(who, algorithm, blocking));
          await consume(requestOf(who, algorithm, counting));
        }
        await subject.storage.reset(user);
        expect((await consume(requestOf(user, algorithm, blocking))).allowed).toBe(true);
        expect((await consume(requestOf(user, algorithm, counting))).limits[0].remaining).toBe(2);
        expect((await consume(requestOf(bystander, algorithm, blocking))).blocked).toBe(true);
        expect((await consume(requestOf(bystander, algorithm, counting))).limits[0].remaining).toBe(1);
      });

      it('expired counters and blocks are reclaimed once time has passed', async () => {
        if (subject.liveKeys === undefined) return;
        const spec = [
          { limit: 1, windowMs: 2000, blockMs: 3000 },
          { limit: 1, windowMs: 4000, scope: 'long' },
        ];
        for (let i = 0; i < 20; i++) {
          const user = freshIdentity();
          await consume(requestOf(user, algorithm, spec));
          await consume(requestOf(user, algorithm, spec)); // rejected: blocks for 3 s
        }
        clock.advance(3999);
        expect(await subject.liveKeys()).toBeGreaterThan(0); // the 4 s window is still live
        clock.advance(1);
        const late = freshIdentity();
        for (let i = 0; i < 10; i++) await consume(requestOf(late, algorithm, [{ limit: 100, windowMs: 1 }]));
        clock.advance(1000); // MemoryStorage reclaims within a second of the expiry (it keeps whole seconds)
        expect(await subject.liveKeys()).toBe(0);
      });
    });

    it.each(EDGE_CASES.map((edge) => [edge.name, edge] as const))('edge case: %s', async (_, edge) => {
      const user = freshIdentity();
      for (const [index, step] of edge.steps.entries()) {
        clock.advance(step.advanceMs ?? 0);
        let result: ConsumeResult | undefined;
        for (let n = step.times ?? 1; n > 0; n--)
          result = await consume(requestOf(user, edge.algorithm, step.limits, step.peek));
        const { limits, ...rest } = step.expect;
        try {
          expect(result).toMatchObject(rest);
          limits?.forEach((status, i) => expect(result!.limits[i]).toMatchObject(status));
        } catch (error) {
          throw new Error(`step ${index}: ${JSON.stringify(result)}\n${(error as Error).message}`, { cause: error });
        }
      }
    });

    it('gcra with a fractional interval (3 per second): one hit per 333⅓ ms, Retry-After rounded up to the ms', async () => {
      const user = freshIdentity();
      const spec = [{ limit: 3, windowMs: 1000 }];
      for (let i = 0; i < 3; i++) expect((await consume(requestOf(user, 'gcra', spec))).allowed).toBe(true);
      for (const [advanceMs, retryAfterMs] of [
        [0, 334],
        [333, 1],
      ]) {
        clock.advance(advanceMs);
        expect(await consume(requestOf(user, 'gcra', spec))).toMatchObject({ allowed: false, retryAfterMs });
      }
      clock.advance(1); // 334 ms
      expect(await consume(requestOf(user, 'gcra', spec))).toMatchObject({ allowed: true, limits: [{ remaining: 0 }] });
      clock.advance(332); // 666 ms: the next hit is due at 666⅔ ms
      expect(await consume(requestOf(user, 'gcra', spec))).toMatchObject({ allowed: false, retryAfterMs: 1 });
      clock.advance(1);
      expect((await consume(requestOf(user, 'gcra', spec))).allowed).toBe(true);
    });

    it('sliding window with a lowered limit: Retry-After waits until enough of the live hits have left', async () => {
      const user = freshIdentity();
      for (let i = 0; i < 5; i++) {
        expect((await consume(requestOf(user, 'sliding-window', [{ limit: 5, windowMs: 10_000 }]))).allowed).toBe(true);
        clock.advance(1000);
      }
      // 5 live hits at 0..4 s, limit now 2: admitted once 4 of them have left, when the one at 3 s does (13 s).
      const rejected = await consume(requestOf(user, 'sliding-window', [{ limit: 2, windowMs: 10_000 }]));
      expect(rejected).toMatchObject({ allowed: false, retryAfterMs: 8000 });
    });

    it('sliding window above 1000 hits: never over the limit in any window, Retry-After exact to its own next admission and at most one bucket (window/1000) later than an exact log', async () => {
      const user = freshIdentity();
      const spec = { limit: 1200, windowMs: 60_000 };
      const bucketMs = 60;
      const rng = fc.sample(fc.integer({ min: 0, max: 40 }), { numRuns: 4000, seed: 42 });
      const admitted: number[] = [];
      let rejections = 0;
      for (const advanceMs of rng) {
        clock.advance(advanceMs);
        const result = await consume(requestOf(user, 'sliding-window', [spec]));
        if (result.allowed) {
          admitted.push(clock.now());
          continue;
        }
        rejections++;
        const now = clock.now();
        const live = admitted.filter((t) => t + spec.windowMs > now);
        // An exact log admits once `live - limit + 1` hits have left (now, if fewer than `limit` are live).
        const exactRetry = live.length < spec.limit ? 0 : live[live.length - spec.limit] + spec.windowMs - now;
        expect(result.retryAfterMs).toBeGreaterThanOrEqual(exactRetry);
        expect(result.retryAfterMs).toBeLessThan(exactRetry + bucketMs);
        clock.advance(result.retryAfterMs - 1);
        expect((await consume(requestOf(user, 'sliding-window', [spec], true))).allowed).toBe(false);
        clock.advance(1);
        expect((await consume(requestOf(user, 'sliding-window', [spec]))).allowed).toBe(true);
        admitted.push(clock.now());
      }
      expect(rejections).toBeGreaterThan(10);
      for (let i = spec.limit; i < admitted.length; i++) {
        expect(admitted[i] - admitted[i - spec.limit]).toBeGreaterThanOrEqual(spec.windowMs);
      }
    });
  });
}
