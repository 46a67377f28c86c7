import type { INestApplication } from '@nestjs/common';
import { createApp, FakeClock, http, PLATFORMS } from '../../../support/app.js';
import { baseCases } from '../asgi-cases/base-cases.js';
import { as, headerAuth } from '../../../support/header-auth.js';
import { AlgorithmsAppModule, type AlgorithmChoice } from './app.module.js';

/**
 * The `RateLimit` header values and Retry-After that differ between algorithms (`t` = seconds until
 * more quota: the oldest hit leaving for the sliding window, the next token for GCRA).
 */
const EXPECTED = {
  'sliding-window': {
    blockFirst: '"second";r=0;t=1, "minute";r=9;t=60',
    open: '"minute";r=8;t=56', // the /block hit at 0 s leaves at 60 s; 55.5 s rounded up
    blockAfter: '"second";r=0;t=1, "minute";r=7;t=55',
    multipleSecond: '"second";r=0;t=1, "minute";r=1;t=59',
    multipleRetryAfter: '57', // the hit at 0 s leaves the minute at 60 s
    // minute: 2, hits at 0 s and 50 s; at 61 s only the first has left.
    minute2: { admittedAt61: 1, retryAfter: '49' },
  },
  gcra: {
    blockFirst: '"second";r=0;t=1, "minute";r=9;t=6', // a minute token every 6 s
    open: '"minute";r=8;t=2', // 4.5 s later: TAT 12 s after this hit, next token in 1.5 s
    blockAfter: '"second";r=0;t=1, "minute";r=7;t=1',
    multipleSecond: '"second";r=0;t=1, "minute";r=1;t=19', // a minute token every 20 s
    multipleRetryAfter: '17', // third minute hit made the TAT 60 s; the fourth fits at 80 - 60 = 20 s
    // minute: 2 = one token per 30 s; at 61 s the TAT is 80 s: one hit fits, the next 19 s later.
    minute2: { admittedAt61: 1, retryAfter: '19' },
  },
} as const;

const CASES = (['sliding-window', 'gcra'] as const).flatMap((algorithm) =>
  (['module option', 'per-rule override'] as AlgorithmChoice[]).flatMap((choice) =>
    PLATFORMS.map((platform) => [algorithm, choice, platform] as const),
  ),
);

describe.each(CASES)('asgi-ratelimit base cases with %s (%s) on %s', (algorithm, choice, platform) => {
  let app: INestApplication;
  let clock: FakeClock;
  const expected = EXPECTED[algorithm];
  const get = (path: string, user: string, group?: string) => http(app).get(path).set(as(user, group));

  beforeAll(async () => {
    clock = new FakeClock();
    app = await createApp(platform, {
      imports: [AlgorithmsAppModule.register(choice, algorithm, clock, headerAuth())],
    });
  });
  afterAll(() => app.close());

  it("'^/second_limit' [{second:1}]: one hit per second, Retry-After 1", async () => {
    const admitted = await get('/second_limit', 'sec');
    expect(admitted.status).toBe(200);
    expect(admitted.headers['ratelimit-policy']).toBe('"second";q=1;w=1');
    expect(admitted.headers['ratelimit']).toBe('"second";r=0;t=1');
    const rejected = await get('/second_limit', 'sec');
    expect(rejected.status).toBe(429);
    expect(rejected.headers['retry-after']).toBe('1');
    expect(rejected.body).toEqual({ statusCode: 429, message: 'Too Many Requests', retryAfter: 1 });
    expect((await get('/second_limit', 'other-sec')).status).toBe(200);
    clock.advance(999);
    expect((await get('/second_limit', 'sec')).headers['retry-after']).toBe('1'); // 1 ms left, rounded up
    clock.advance(1);
    expect((await get('/second_limit', 'sec')).status).toBe(200);
  });

  it("'^/minute_limit' [{minute:1}]: one hit per minute, Retry-After counts down to the end", async () => {
    await baseCases.minuteLimit(get, clock);
  });

  it("{group:'admin'} without limits: admins are unlimited", async () => {
    await baseCases.adminsUnlimited(get);
  });

  it("'^/block' [{second:1, blockTime:5}]: blocked 5 s with Retry-After counting down, counted nowhere", async () => {
    expect((await get('/block', 'blk')).headers['ratelimit']).toBe(expected.blockFirst);
    const first = await get('/block', 'blk');
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('5');
    for (const [advanceMs, retryAfter] of [
      [1000, '4'],
      [1000, '3'],
      [1500, '2'],
      [1000, '1'],
    ] as const) {
      clock.advance(advanceMs);
      const blocked = await get('/block', 'blk');
      expect(blocked.status).toBe(429);
      expect(blocked.headers['retry-after']).toBe(retryAfter);
    }
    expect((await get('/open', 'blk')).headers['ratelimit']).toBe(expected.open);
    clock.advance(500);
    const after = await get('/block', 'blk');
    expect(after.status).toBe(200);
    expect(after.headers['ratelimit']).toBe(expected.blockAfter);
  });

  it("'^/multiple' [{second:1, minute:3}]: a hit rejected by the second limit does not use the minute budget", async () => {
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
  });

  it('@RateLimit({minute:2}) on a route: hits at 0 s and 50 s, then at 61 s the algorithm decides (fixed window would admit 2)', async () => {
    expect((await get('/minute2', 'm2')).status).toBe(200);
    clock.advanceSeconds(50);
    expect((await get('/minute2', 'm2')).status).toBe(200);
    clock.advanceSeconds(11);
    let admitted = 0;
    let rejected;
    while ((rejected = await get('/minute2', 'm2')).status === 200) admitted++;
    expect(admitted).toBe(expected.minute2.admittedAt61);
    expect(rejected.status).toBe(429);
    expect(rejected.headers['retry-after']).toBe(expected.minute2.retryAfter);
  });
});
