import type { INestApplication } from '@nestjs/common';
import { createApp, FakeClock, http, PLATFORMS } from '../../../support/app.js';
import { baseCases, EXPECTED } from '../asgi-cases/base-cases.js';
import { as, headerAuth } from '../../../support/header-auth.js';
import { AlgorithmsAppModule, type AlgorithmChoice } from './app.module.js';

/** At 61 s after hits at 0 s and 50 s (`minute: 2`): how many more hits are admitted, and the Retry-After then. */
const MINUTE2 = {
  'sliding-window': { admittedAt61: 1, retryAfter: '49' }, // only the hit at 0 s has left
  gcra: { admittedAt61: 1, retryAfter: '19' }, // one token per 30 s: the TAT is 80 s
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
  const minute2 = MINUTE2[algorithm];
  const get = (path: string, user: string, group?: string) => http(app).get(path).set(as(user, group));

  beforeAll(async () => {
    clock = new FakeClock();
    app = await createApp(platform, {
      imports: [AlgorithmsAppModule.register(choice, algorithm, clock, headerAuth())],
    });
  });
  afterAll(() => app.close());

  it("'^/second_limit' [{second:1}]: one hit per second, Retry-After 1", async () => {
    await baseCases.secondLimit(get, clock);
  });

  it("'^/minute_limit' [{minute:1}]: one hit per minute, Retry-After counts down to the end", async () => {
    await baseCases.minuteLimit(get, clock);
  });

  it("{group:'admin'} without limits: admins are unlimited", async () => {
    await baseCases.adminsUnlimited(get);
  });

  it("'^/block' [{second:1, blockTime:5}]: blocked 5 s with Retry-After counting down, counted nowhere", async () => {
    await baseCases.block(get, clock, expected);
  });

  it("'^/multiple' [{second:1, minute:3}]: a hit rejected by the second limit does not use the minute budget", async () => {
    await baseCases.multiple(get, clock, expected);
  });

  it('@RateLimit({minute:2}) on a route: hits at 0 s and 50 s, then at 61 s the algorithm decides (fixed window would admit 2)', async () => {
    expect((await get('/minute2', 'm2')).status).toBe(200);
    clock.advanceSeconds(50);
    expect((await get('/minute2', 'm2')).status).toBe(200);
    clock.advanceSeconds(11);
    let admitted = 0;
    let rejected;
    while ((rejected = await get('/minute2', 'm2')).status === 200) admitted++;
    expect(admitted).toBe(minute2.admittedAt61);
    expect(rejected.status).toBe(429);
    expect(rejected.headers['retry-after']).toBe(minute2.retryAfter);
  });
});
