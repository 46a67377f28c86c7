import type { Response } from 'supertest';
import type { Algorithm } from '../../../../lib/index.js';
import type { FakeClock } from '../../../support/app.js';

/** A GET of `path` as `user` (in `group`) on the app under test. */
export type GetAs = (path: string, user: string, group?: string) => PromiseLike<Response>;

/** What the algorithm-dependent base cases expect: `RateLimit` header values and Retry-After. */
export interface AlgorithmExpectations {
  /** `RateLimit` of the first /block hit (second: 1 and the minute: 10 of '^/(block|open)'). */
  blockFirst: string;
  /** `RateLimit` of /open 4.5 s later, after the block began. */
  open: string;
  /** `RateLimit` of /block once the 5 s block has ended. */
  blockAfter: string;
  /** `RateLimit` of /multiple one second after its first hit. */
  multipleSecond: string;
  /** Retry-After of /multiple once the minute limit (3) is spent. */
  multipleRetryAfter: string;
}

/**
 * The expectations per algorithm (`t` = seconds until more quota: the window's end for the fixed
 * window, the oldest hit leaving for the sliding window, the next token for GCRA).
 */
export const EXPECTED: Record<Algorithm, AlgorithmExpectations> = {
  'fixed-window': {
    blockFirst: '"second";r=0;t=1, "minute";r=9;t=60',
    open: '"minute";r=8;t=56', // 55.5 s left in the window, rounded up
    blockAfter: '"second";r=0;t=1, "minute";r=7;t=55',
    multipleSecond: '"second";r=0;t=1, "minute";r=1;t=59',
    multipleRetryAfter: '57',
  },
  'sliding-window': {
    blockFirst: '"second";r=0;t=1, "minute";r=9;t=60',
    open: '"minute";r=8;t=56', // the /block hit at 0 s leaves at 60 s; 55.5 s rounded up
    blockAfter: '"second";r=0;t=1, "minute";r=7;t=55',
    multipleSecond: '"second";r=0;t=1, "minute";r=1;t=59',
    multipleRetryAfter: '57', // the hit at 0 s leaves the minute at 60 s
  },
  gcra: {
    blockFirst: '"second";r=0;t=1, "minute";r=9;t=6', // a minute token every 6 s
    open: '"minute";r=8;t=2', // 4.5 s later: TAT 12 s after this hit, next token in 1.5 s
    blockAfter: '"second";r=0;t=1, "minute";r=7;t=1',
    multipleSecond: '"second";r=0;t=1, "minute";r=1;t=19', // a minute token every 20 s
    multipleRetryAfter: '17', // third minute hit made the TAT 60 s; the fourth fits at 80 - 60 = 20 s
  },
};

/**
 * asgi-ratelimit's cases on its base config (`'^/second_limit'`, `'^/minute_limit'`, `'^/block'`,
 * `'^/(block|open)'`, `'^/multiple'`), for the suites that run them per storage (`asgi-cases.ts`)
 * and per algorithm (`../algorithms`). Each case uses its own user.
 */
export const baseCases = {
  /** `'^/second_limit' [{second:1}]`: one hit per second for the default group, per user. */
  async secondLimit(get: GetAs, clock: FakeClock): Promise<void> {
    const admitted = await get('/second_limit', 'sec');
    expect(admitted.status).toBe(200);
    expect(admitted.headers['ratelimit-policy']).toBe('"second";q=1;w=1');
    expect(admitted.headers['ratelimit']).toBe('"second";r=0;t=1');
    const rejected = await get('/second_limit', 'sec');
    expect(rejected.status).toBe(429);
    expect(rejected.headers['retry-after']).toBe('1');
    expect(rejected.body).toEqual({ statusCode: 429, message: 'Too Many Requests', retryAfter: 1 });
    expect((await get('/second_limit', 'other-sec')).status).toBe(200); // counters are per user
    clock.advance(999);
    expect((await get('/second_limit', 'sec')).headers['retry-after']).toBe('1'); // 1 ms left, rounded up
    clock.advance(1);
    expect((await get('/second_limit', 'sec')).status).toBe(200);
  },

  /** `'^/minute_limit' [{minute:1}]`: one hit per minute, Retry-After counting down to the end. */
  async minuteLimit(get: GetAs, clock: FakeClock): Promise<void> {
    expect((await get('/minute_limit', 'min')).status).toBe(200);
    expect((await get('/minute_limit', 'min')).headers['retry-after']).toBe('60');
    clock.advanceSeconds(59);
    const late = await get('/minute_limit', 'min');
    expect(late.status).toBe(429);
    expect(late.headers['retry-after']).toBe('1');
    clock.advanceSeconds(1);
    expect((await get('/minute_limit', 'min')).status).toBe(200);
  },

  /** `{group:'admin'}` without limits on both patterns: admins are unlimited and get no headers. */
  async adminsUnlimited(get: GetAs): Promise<void> {
    for (let i = 0; i < 5; i++) {
      for (const path of ['/second_limit', '/minute_limit']) {
        const response = await get(path, 'boss', 'admin');
        expect(response.status).toBe(200);
        expect(response.headers['ratelimit']).toBeUndefined();
      }
    }
  },

  /**
   * `'^/block' [{second:1, blockTime:5}]`: blocked 5 s with Retry-After counting down, counted nowhere
   * meanwhile; `'^/(block|open)' [{minute:10}]` also counts /block and shows what blocked requests consumed.
   */
  async block(get: GetAs, clock: FakeClock, expected: AlgorithmExpectations): Promise<void> {
    expect((await get('/block', 'blk')).headers['ratelimit']).toBe(expected.blockFirst);
    const first = await get('/block', 'blk');
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('5');
    for (const [advanceMs, retryAfter] of [
      [1000, '4'],
      [1000, '3'],
      [1500, '2'], // 1.5 s left: rounded up
      [1000, '1'],
    ] as const) {
      clock.advance(advanceMs);
      const blocked = await get('/block', 'blk');
      expect(blocked.status).toBe(429);
      expect(blocked.headers['retry-after']).toBe(retryAfter);
      expect(blocked.body.retryAfter).toBe(Number(retryAfter));
    }
    // The block is scoped to '^/block': the same user is admitted on /open, whose minute counter
    // saw only the one admitted /block hit.
    expect((await get('/open', 'blk')).headers['ratelimit']).toBe(expected.open);
    expect((await get('/block', 'someone-else')).status).toBe(200);
    clock.advance(500); // 5 s after the block began
    const after = await get('/block', 'blk');
    expect(after.status).toBe(200);
    expect(after.headers['ratelimit']).toBe(expected.blockAfter);
  },

  /** `'^/multiple' [{second:1, minute:3}]`: a hit rejected by the second limit does not use the minute budget. */
  async multiple(get: GetAs, clock: FakeClock, expected: AlgorithmExpectations): Promise<void> {
    expect((await get('/multiple', 'mul')).status).toBe(200);
    for (let i = 0; i < 4; i++) {
      const rejected = await get('/multiple', 'mul');
      expect(rejected.status).toBe(429);
      expect(rejected.headers['retry-after']).toBe('1');
      expect(rejected.headers['ratelimit']).toMatch(/^"second";r=0;t=1, "minute";r=2;t=\d+$/); // nothing counted
    }
    clock.advanceSeconds(1);
    expect((await get('/multiple', 'mul')).headers['ratelimit']).toBe(expected.multipleSecond);
    clock.advanceSeconds(1);
    expect((await get('/multiple', 'mul')).status).toBe(200);
    clock.advanceSeconds(1);
    const exhausted = await get('/multiple', 'mul');
    expect(exhausted.status).toBe(429);
    expect(exhausted.headers['retry-after']).toBe(expected.multipleRetryAfter);
  },
};
