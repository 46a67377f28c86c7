import type { INestApplication } from '@nestjs/common';
import type { RateLimitModuleOptions } from '../../../../lib/index.js';
import { createApp, FakeClock, http, PLATFORMS, type Platform } from '../../../support/app.js';
import { as, headerAuth } from '../../../support/header-auth.js';
import { HeadersAppModule } from './app.module.js';

const TOO_MANY = { statusCode: 429, message: 'Too Many Requests' };

/** Boots the headers app with `options`; each test gets its own app, clock and counters. */
async function boot(platform: Platform, options: Pick<RateLimitModuleOptions, 'headers' | 'dryRun'> = {}) {
  const clock = new FakeClock();
  const app = await createApp(platform, { imports: [HeadersAppModule.register(clock, headerAuth(), options)] });
  const get = (path: string) => http(app).get(path).set(as('alice'));
  return { app, clock, get };
}

describe.each(PLATFORMS)('rate-limit headers on %s', (platform) => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());

  describe("'draft' (the default)", () => {
    it('one limit: RateLimit-Policy and RateLimit with remaining and seconds to reset', async () => {
      const booted = await boot(platform);
      app = booted.app;
      const first = await booted.get('/one');
      expect(first.headers['ratelimit-policy']).toBe('"minute";q=10;w=60');
      expect(first.headers['ratelimit']).toBe('"minute";r=9;t=60');
      expect(first.headers['x-ratelimit-limit']).toBeUndefined();
      booted.clock.advanceSeconds(15);
      expect((await booted.get('/one')).headers['ratelimit']).toBe('"minute";r=8;t=45');
    });

    it('several limits: one member each, in order, names made unique', async () => {
      const booted = await boot(platform);
      app = booted.app;
      const response = await booted.get('/several');
      expect(response.headers['ratelimit-policy']).toBe('"second";q=2;w=1, "minute";q=10;w=60, "minute-2";q=5;w=60');
      expect(response.headers['ratelimit']).toBe('"second";r=1;t=1, "minute";r=9;t=60, "minute-2";r=4;t=60');
    });

    it('a custom period is named after its window in seconds', async () => {
      const booted = await boot(platform);
      app = booted.app;
      const response = await booted.get('/custom');
      expect(response.headers['ratelimit-policy']).toBe('"10s";q=3;w=10');
      expect(response.headers['ratelimit']).toBe('"10s";r=2;t=10');
    });

    it('during a block: the blocking limit reports the block, a limit the storage did not read is left out', async () => {
      const booted = await boot(platform, { headers: 'both' });
      app = booted.app;
      const policy = '"second";q=1;w=1, "minute";q=100;w=60';
      const first = await booted.get('/guarded');
      expect(first.status).toBe(200);
      expect(first.headers['ratelimit']).toBe('"second";r=0;t=1, "minute";r=99;t=60');
      // The request that triggers the block: the second limit has no quota until the block ends.
      const blocking = await booted.get('/guarded');
      expect(blocking.status).toBe(429);
      expect(blocking.headers['retry-after']).toBe('5');
      expect(blocking.headers['ratelimit-policy']).toBe(policy);
      expect(blocking.headers['ratelimit']).toBe('"second";r=0;t=5, "minute";r=99;t=60');
      // During the block the minute limit is not read: it is in the policy, not in RateLimit.
      booted.clock.advanceSeconds(2);
      const blocked = await booted.get('/guarded');
      expect(blocked.status).toBe(429);
      expect(blocked.headers['retry-after']).toBe('3');
      expect(blocked.headers['ratelimit-policy']).toBe(policy);
      expect(blocked.headers['ratelimit']).toBe('"second";r=0;t=3');
      expect(blocked.headers['x-ratelimit-limit']).toBe('1');
      expect(blocked.headers['x-ratelimit-remaining']).toBe('0');
      expect(blocked.headers['x-ratelimit-reset']).toBe('3');
    });

    it('a 429 carries the headers, Retry-After rounded up and exactly the JSON body', async () => {
      const booted = await boot(platform);
      app = booted.app;
      await booted.get('/once');
      booted.clock.advance(30_200); // 29.8 s left
      const rejected = await booted.get('/once');
      expect(rejected.status).toBe(429);
      expect(rejected.headers['content-type']).toMatch(/^application\/json/);
      expect(rejected.headers['retry-after']).toBe('30');
      expect(rejected.body).toEqual({ ...TOO_MANY, retryAfter: 30 });
      expect(rejected.headers['ratelimit-policy']).toBe('"minute";q=1;w=60');
      expect(rejected.headers['ratelimit']).toBe('"minute";r=0;t=30');
      booted.clock.advance(29_700); // 0.1 s left: never earlier than the true time
      const last = await booted.get('/once');
      expect(last.headers['retry-after']).toBe('1');
      expect(last.body).toEqual({ ...TOO_MANY, retryAfter: 1 });
      booted.clock.advance(100);
      expect((await booted.get('/once')).status).toBe(200);
    });
  });

  it("'legacy': X-RateLimit-Limit/Remaining/Reset of the limit with least remaining, no draft headers", async () => {
    const booted = await boot(platform, { headers: 'legacy' });
    app = booted.app;
    const several = await booted.get('/several'); // second r=1 is the least remaining
    expect(several.headers['x-ratelimit-limit']).toBe('2');
    expect(several.headers['x-ratelimit-remaining']).toBe('1');
    expect(several.headers['x-ratelimit-reset']).toBe('1');
    expect(several.headers['ratelimit']).toBeUndefined();
    expect(several.headers['ratelimit-policy']).toBeUndefined();

    const legacy = await booted.get('/legacy'); // minute (3) is tighter than second (5)
    expect(legacy.headers['x-ratelimit-limit']).toBe('3');
    expect(legacy.headers['x-ratelimit-remaining']).toBe('2');
    expect(legacy.headers['x-ratelimit-reset']).toBe('60');
    await booted.get('/legacy');
    await booted.get('/legacy');
    booted.clock.advanceSeconds(20);
    const rejected = await booted.get('/legacy');
    expect(rejected.status).toBe(429);
    expect(rejected.headers['x-ratelimit-limit']).toBe('3');
    expect(rejected.headers['x-ratelimit-remaining']).toBe('0');
    expect(rejected.headers['x-ratelimit-reset']).toBe('40');
    expect(rejected.headers['retry-after']).toBe('40');
  });

  it("'both': draft and legacy headers together", async () => {
    const booted = await boot(platform, { headers: 'both' });
    app = booted.app;
    const response = await booted.get('/one');
    expect(response.headers['ratelimit-policy']).toBe('"minute";q=10;w=60');
    expect(response.headers['ratelimit']).toBe('"minute";r=9;t=60');
    expect(response.headers['x-ratelimit-limit']).toBe('10');
    expect(response.headers['x-ratelimit-remaining']).toBe('9');
    expect(response.headers['x-ratelimit-reset']).toBe('60');
  });

  it("'none': no rate-limit headers, but a 429 still has Retry-After and its body", async () => {
    const booted = await boot(platform, { headers: 'none' });
    app = booted.app;
    const admitted = await booted.get('/once');
    expect(admitted.status).toBe(200);
    const rejected = await booted.get('/once');
    expect(rejected.status).toBe(429);
    for (const response of [admitted, rejected]) {
      for (const name of ['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining']) {
        expect(response.headers[name]).toBeUndefined();
      }
    }
    expect(rejected.headers['retry-after']).toBe('60');
    expect(rejected.body).toEqual({ ...TOO_MANY, retryAfter: 60 });
  });

  it('dryRun: counts and sets headers but never rejects', async () => {
    const booted = await boot(platform, { dryRun: true });
    app = booted.app;
    expect((await booted.get('/once')).headers['ratelimit']).toBe('"minute";r=0;t=60');
    for (let i = 0; i < 3; i++) {
      const response = await booted.get('/once');
      expect(response.status).toBe(200);
      expect(response.headers['ratelimit']).toBe('"minute";r=0;t=60');
      expect(response.headers['retry-after']).toBeUndefined();
    }
  });
});
