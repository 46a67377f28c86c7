import type { INestApplication } from '@nestjs/common';
import { createApp, FakeClock, http, PLATFORMS } from '../../../support/app.js';
import { as, headerAuth, type CountingAuth } from '../../../support/header-auth.js';
import { DecoratorsAppModule } from './app.module.js';

/**
 * @RateLimit and @SkipRateLimit on controllers and handlers, stacked with a global '^/' pattern of
 * 5 hits per hour. Every test uses its own user: the '^/' pattern counts all paths of a user together.
 */
describe.each(PLATFORMS)('decorators on %s', (platform) => {
  let app: INestApplication;
  let clock: FakeClock;
  let auth: CountingAuth;
  const get = (path: string, user: string, group?: string) => http(app).get(path).set(as(user, group));

  beforeAll(async () => {
    clock = new FakeClock();
    auth = headerAuth();
    app = await createApp(platform, { imports: [DecoratorsAppModule.register(clock, auth)] });
  });
  afterAll(() => app.close());

  it('handler @RateLimit replaces the controller @RateLimit', async () => {
    const first = await get('/reports/fast', 'override');
    expect(first.headers['ratelimit-policy']).toBe('"second";q=1;w=1, "hour";q=5;w=3600');
    expect((await get('/reports/fast', 'override')).status).toBe(429);
    clock.advanceSeconds(1);
    expect((await get('/reports/fast', 'override')).status).toBe(200);
    clock.advanceSeconds(1);
    expect((await get('/reports/fast', 'override')).status).toBe(200); // a third hit: the controller's minute:2 is not applied
  });

  it('a controller @RateLimit counts each handler apart', async () => {
    expect((await get('/reports/a', 'handlers')).status).toBe(200);
    expect((await get('/reports/a', 'handlers')).status).toBe(200);
    expect((await get('/reports/a', 'handlers')).status).toBe(429);
    expect((await get('/reports/b', 'handlers')).status).toBe(200);
  });

  it('a controller @RateLimit with a zone counts its handlers together', async () => {
    expect((await get('/zoned/x', 'zoned')).status).toBe(200);
    expect((await get('/zoned/y', 'zoned')).status).toBe(200);
    expect((await get('/zoned/x', 'zoned')).status).toBe(429);
    expect((await get('/zoned/y', 'zoned')).status).toBe(429);
  });

  it('controllers with the same class and method names on different paths count apart', async () => {
    expect((await get('/v1/users', 'twins')).status).toBe(200);
    expect((await get('/v1/users', 'twins')).status).toBe(429);
    expect((await get('/v2/users', 'twins')).status).toBe(200);
  });

  it('@SkipRateLimit() exempts everyone from route rules and config patterns, without calling auth', async () => {
    const callsBefore = auth.calls;
    for (let i = 0; i < 7; i++) {
      for (const path of ['/open', '/skip/everyone']) {
        const response = await http(app).get(path); // no x-user: auth would answer 401
        expect(response.status).toBe(200);
        expect(response.headers['ratelimit']).toBeUndefined();
      }
    }
    expect(auth.calls).toBe(callsBefore);
  });

  it("@SkipRateLimit('admin') exempts only admins", async () => {
    for (let i = 0; i < 7; i++) {
      const response = await get('/skip/admins', 'root', 'admin');
      expect(response.status).toBe(200);
      expect(response.headers['ratelimit']).toBeUndefined();
    }
    expect((await get('/skip/admins', 'pleb')).status).toBe(200);
    expect((await get('/skip/admins', 'pleb')).status).toBe(429);
    expect((await get('/skip/limited', 'root2', 'admin')).status).toBe(200);
    expect((await get('/skip/limited', 'root2', 'admin')).status).toBe(429);
  });

  it("handler @SkipRateLimit('admin') replaces a controller @SkipRateLimit()", async () => {
    for (let i = 0; i < 7; i++) expect((await get('/open/admins', 'root3', 'admin')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await get('/open/admins', 'pleb3')).status).toBe(200);
    expect((await get('/open/admins', 'pleb3')).status).toBe(429); // the '^/' hour limit applies to them
  });

  it("a global '^/' pattern stacks with route rules: both enforced, both in the headers", async () => {
    for (let i = 0; i < 5; i++) {
      const callsBefore = auth.calls;
      const response = await get('/stack/loose', 'stacker');
      expect(auth.calls).toBe(callsBefore + 1); // two lists, one identity
      expect(response.status).toBe(200);
      expect(response.headers['ratelimit-policy']).toBe('"minute";q=10;w=60, "hour";q=5;w=3600');
      expect(response.headers['ratelimit']).toBe(`"minute";r=${9 - i};t=60, "hour";r=${4 - i};t=3600`);
    }
    const byGlobal = await get('/stack/loose', 'stacker');
    expect(byGlobal.status).toBe(429);
    expect(byGlobal.headers['retry-after']).toBe('3600');

    expect((await get('/stack/tight', 'stacker2')).status).toBe(200);
    const byRoute = await get('/stack/tight', 'stacker2');
    expect(byRoute.status).toBe(429);
    expect(byRoute.headers['retry-after']).toBe('1');
    // The rejected hit used none of the hour budget.
    expect(byRoute.headers['ratelimit']).toBe('"second";r=0;t=1, "hour";r=4;t=3600');
    clock.advanceSeconds(1);
    expect((await get('/stack/tight', 'stacker2')).headers['ratelimit']).toBe('"second";r=0;t=1, "hour";r=3;t=3599');
  });
});
