import type { INestApplication } from '@nestjs/common';
import { RateLimitService } from '../../../../lib/index.js';
import { createApp, FakeClock, http, PLATFORMS } from '../../../support/app.js';
import { costModule } from './app.module.js';

describe.each(PLATFORMS)('weighted hits (Rule.cost) on %s', (platform) => {
  let app: INestApplication;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    app = await createApp(platform, costModule(clock));
  });
  afterEach(() => app.close());

  const get = (path: string, cost?: number | string) => {
    const call = http(app).get(path);
    return cost === undefined ? call : call.set('x-cost', String(cost));
  };

  it.each(['/weighted', '/weighted-async'])(
    '%s: a cost function of the request sets the hits it counts',
    async (path) => {
      const first = await get(path, 4);
      expect(first.status).toBe(200);
      expect(first.headers['ratelimit']).toBe('"minute";r=6;t=60');
      expect((await get(path, 4)).headers['ratelimit']).toBe('"minute";r=2;t=60');
      const tooMuch = await get(path, 3); // 2 left: no room for 3, nothing counted
      expect(tooMuch.status).toBe(429);
      expect(tooMuch.headers['retry-after']).toBe('60');
      const fits = await get(path, 2);
      expect(fits.status).toBe(200);
      expect(fits.headers['ratelimit']).toBe('"minute";r=0;t=60');
      expect((await get(path, 0)).status).toBe(200); // a cost of 0 counts nothing
      expect((await get(path, 1)).status).toBe(429);
      clock.advanceSeconds(60);
      expect((await get(path, 10)).status).toBe(200);
    },
  );

  it('a cost function returning something else than a whole number fails the request, never counts 1', async () => {
    for (const cost of ['abc', '-1', '1.5']) expect((await get('/bad-cost', cost)).status).toBe(500);
    expect((await get('/weighted')).status).toBe(500); // no header: Number(undefined) is NaN
  });

  it('a cost above the limit is always rejected', async () => {
    const rejected = await get('/too-heavy');
    expect(rejected.status).toBe(429);
    expect(rejected.body).toEqual({ statusCode: 429, message: 'Too Many Requests', retryAfter: 60 });
    clock.advanceSeconds(3600);
    expect((await get('/too-heavy')).status).toBe(429);
  });

  it('two rules naming one counter (same zone) count the larger cost, once', async () => {
    const heavy = await get('/zone/heavy'); // the route's rule (3) and the config's (2) on zone z: 3
    expect(heavy.status).toBe(200);
    expect(heavy.headers['ratelimit']).toBe('"minute";r=7;t=60, "minute-2";r=7;t=60');
    expect((await get('/zone/light')).headers['ratelimit']).toBe('"minute";r=5;t=60'); // the config's rule: 2
    expect((await get('/zone/heavy')).headers['ratelimit']).toBe('"minute";r=2;t=60, "minute-2";r=2;t=60');
    expect((await get('/zone/heavy')).status).toBe(429); // 2 left, 3 needed
    expect((await get('/zone/light')).status).toBe(200); // 2 fit
    expect((await get('/zone/light')).status).toBe(429);
  });

  it('RateLimitService.consume and check take a cost for the call', async () => {
    const service = app.get(RateLimitService);
    const who = { user: 'exporter' };
    const rows = await service.consume(who, { scope: 'export-rows', cost: 7 }, { hour: 10 });
    expect(rows.allowed).toBe(true);
    expect(rows.limits[0].remaining).toBe(3);
    expect((await service.check(who, { scope: 'export-rows', cost: 4 }, { hour: 10 })).allowed).toBe(false);
    expect((await service.check(who, { scope: 'export-rows', cost: 3 }, { hour: 10 })).allowed).toBe(true);
    expect((await service.consume(who, 'export-rows', { hour: 10 })).limits[0].remaining).toBe(2); // string scope: 1
    // A rule's own cost counts when the call gives none; the call's cost replaces it.
    expect((await service.consume(who, 'jobs', { hour: 10, cost: 4 })).limits[0].remaining).toBe(6);
    expect((await service.consume(who, { scope: 'jobs', cost: 1 }, { hour: 10, cost: 4 })).limits[0].remaining).toBe(5);
    expect((await service.consume(who, { scope: 'jobs', cost: 11 }, { hour: 10 })).allowed).toBe(false);
  });

  it('RateLimitService rejects a bad cost and a cost function, naming what to do', async () => {
    const service = app.get(RateLimitService);
    await expect(service.consume({ user: 'u' }, { scope: 's', cost: 1.5 }, { hour: 10 })).rejects.toThrow(
      'Invalid "cost" of a RateLimitService call in scope "s": 1.5 is not a whole number of hits >= 0.',
    );
    await expect(service.consume({ user: 'u' }, 'fn', { hour: 10, cost: () => 2 })).rejects.toThrow(
      'give the cost of the call instead: consume(identity, { scope, cost }, ...rules)',
    );
  });
});
