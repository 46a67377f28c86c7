import type { INestApplication } from '@nestjs/common';
import type { RateLimitStorage } from '../../../../lib/index.js';
import { createApp, FakeClock, http, PLATFORMS, type Platform } from '../../../support/app.js';
import { baseCases, EXPECTED } from './base-cases.js';
import { as, headerAuth, type CountingAuth } from '../../../support/header-auth.js';
import { AsgiAppModule } from './app.module.js';

/** Builds the storage of one app, on the clock the cases drive; default a MemoryStorage. */
export type AsgiStorageFactory = (clock: FakeClock, platform: Platform) => RateLimitStorage;

/**
 * asgi-ratelimit's own test cases, on both adapters, with counters in the storage `storage` builds
 * (`storageName` names it in the test titles). Each test uses its own user, so they share one app.
 */
export function describeAsgiCases(storageName: string, storage?: AsgiStorageFactory): void {
  describe.each(PLATFORMS)(`asgi-ratelimit cases on %s with ${storageName}`, (platform) => {
    let app: INestApplication;
    let clock: FakeClock;
    let auth: CountingAuth;
    const get = (path: string, user: string, group?: string) => http(app).get(path).set(as(user, group));

    beforeAll(async () => {
      clock = new FakeClock();
      auth = headerAuth();
      app = await createApp(platform, { imports: [AsgiAppModule.register(clock, auth, storage?.(clock, platform))] });
    });
    afterAll(() => app.close());

    it("'^/second_limit' [{second:1}]: one hit per second for the default group", async () => {
      await baseCases.secondLimit(get, clock);
    });

    it("'^/minute_limit' [{minute:1}]: one hit per minute, Retry-After counts down to the window's end", async () => {
      await baseCases.minuteLimit(get, clock);
    });

    it("{group:'admin'} without limits: admins are unlimited on both patterns", async () => {
      await baseCases.adminsUnlimited(get);
    });

    it("'^/block' [{second:1, blockTime:5}]: blocked 5 s, Retry-After counting down, counted nowhere meanwhile", async () => {
      await baseCases.block(get, clock, EXPECTED['fixed-window']);
    });

    it("'^/minute2' [{minute:2}]: two hits, then 429 until the window opened by the first hit ends", async () => {
      expect((await get('/minute2', 'm2')).status).toBe(200);
      clock.advanceSeconds(10);
      expect((await get('/minute2', 'm2')).status).toBe(200);
      const rejected = await get('/minute2', 'm2');
      expect(rejected.status).toBe(429);
      expect(rejected.headers['retry-after']).toBe('50');
      clock.advanceSeconds(50);
      expect((await get('/minute2', 'm2')).status).toBe(200);
    });

    it("'^/multiple' [{second:1, minute:3}]: a hit rejected by the second limit does not use the minute budget", async () => {
      await baseCases.multiple(get, clock, EXPECTED['fixed-window']);
    });

    it("zones: '^/zone1' and '^/zone2' with zone 'shared' use one counter; without a zone each pattern counts alone", async () => {
      expect((await get('/zone1', 'zon')).status).toBe(200);
      expect((await get('/zone2', 'zon')).status).toBe(429);
      clock.advanceSeconds(1);
      expect((await get('/zone2', 'zon')).status).toBe(200);
      expect((await get('/zone1', 'zon')).status).toBe(429);

      expect((await get('/nozone1', 'zon')).status).toBe(200);
      expect((await get('/nozone2', 'zon')).status).toBe(200);
      expect((await get('/nozone1', 'zon')).status).toBe(429);
    });

    it('a request matching two patterns of one zone counts once on the shared counter', async () => {
      const first = await get('/shared-a', 'overlap'); // matches '^/shared-a' and '^/shared-(a|b)'
      expect(first.headers['ratelimit']).toBe('"minute";r=2;t=60, "minute-2";r=2;t=60');
      expect((await get('/shared-b', 'overlap')).headers['ratelimit']).toBe('"minute";r=1;t=60');
      expect((await get('/shared-a', 'overlap')).status).toBe(200);
      expect((await get('/shared-b', 'overlap')).status).toBe(429);
    });

    it("a pattern's counter covers every path it matches: '^/towns' counts /towns/1 and /towns/2 together", async () => {
      expect((await get('/towns/1', 'tow')).status).toBe(200);
      expect((await get('/towns/2', 'tow')).status).toBe(200);
      expect((await get('/towns/3', 'tow')).status).toBe(429);
    });

    it('per-method rules: GET {second:1}, POST {minute:2} count apart; HEAD counts as GET; PUT has no rule', async () => {
      expect((await get('/method', 'met')).status).toBe(200);
      expect((await get('/method', 'met')).status).toBe(429);
      expect((await http(app).head('/method').set(as('met'))).status).toBe(429);
      const post = () => http(app).post('/method').set(as('met'));
      expect((await post()).status).toBe(201);
      expect((await post()).headers['ratelimit']).toBe('"minute";r=0;t=60');
      const rejected = await post();
      expect(rejected.status).toBe(429);
      expect(rejected.headers['retry-after']).toBe('60');
      const callsBefore = auth.calls;
      for (let i = 0; i < 3; i++) expect((await http(app).put('/method').set(as('met'))).status).toBe(200);
      expect(auth.calls).toBe(callsBefore + 3);
      clock.advanceSeconds(1);
      expect((await http(app).head('/method').set(as('met'))).status).toBe(200);
      expect((await get('/method', 'met')).status).toBe(429); // the HEAD used this second's GET budget
    });

    it("a pattern without a rule for the caller's group adds no limit, but auth still runs", async () => {
      const callsBefore = auth.calls;
      for (let i = 0; i < 3; i++) {
        const response = await get('/admin_only', 'plain');
        expect(response.status).toBe(200);
        expect(response.headers['ratelimit']).toBeUndefined();
      }
      expect(auth.calls).toBe(callsBefore + 3);
      expect((await http(app).get('/admin_only')).status).toBe(401); // no x-user: auth ran and failed
      expect((await get('/admin_only', 'root', 'admin')).status).toBe(200);
      expect((await get('/admin_only', 'root', 'admin')).status).toBe(429);
    });

    it('no rule list applies (an empty one does not count): the request passes and auth is not called', async () => {
      const callsBefore = auth.calls;
      for (let i = 0; i < 3; i++) {
        const response = await http(app).get('/free'); // no x-user: auth would answer 401
        expect(response.status).toBe(200);
        expect(response.headers['ratelimit']).toBeUndefined();
      }
      expect(auth.calls).toBe(callsBefore);
    });

    it('a limit of 0 rejects every request', async () => {
      const rejected = await get('/zero', 'nil');
      expect(rejected.status).toBe(429);
      expect(rejected.headers['retry-after']).toBe('60');
      clock.advanceSeconds(60);
      expect((await get('/zero', 'nil')).status).toBe(429);
    });
  });
}
