import type { INestApplication } from '@nestjs/common';
import { MemoryStorage, RATE_LIMIT_STORAGE, RateLimitModule } from '../../../../lib/index.js';
import { createApp, FakeClock, http, PLATFORMS, type Platform } from '../../../support/app.js';
import { as, headerAuth } from '../../../support/header-auth.js';
import {
  CLOCK,
  CountingStorage,
  GuardedController,
  LIMITS,
  LimitsModule,
  optionsFrom,
  PingController,
  RateLimitOptions,
  ServiceController,
  SharedUserGuard,
  STORAGE_CALLS,
  TokenAuth,
  UnguardedController,
  UsersModule,
} from './app.module.js';

/** Two pings per minute for token t1 (user ann), then 429; admin bob is unlimited (no admin rule). */
async function expectTwoPerMinute(app: INestApplication) {
  const ping = (token: string) => http(app).get('/ping').set('x-token', token);
  expect((await ping('t1')).status).toBe(200);
  expect((await ping('t1')).status).toBe(200);
  expect((await ping('t1')).status).toBe(429);
  expect((await ping('t2')).status).toBe(200);
  expect((await ping('nope')).status).toBe(401);
}

describe.each(PLATFORMS)('module options on %s', (platform: Platform) => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());

  describe('forRootAsync', () => {
    it('useFactory + inject, an auth class injecting a provider from `imports`', async () => {
      app = await createApp(platform, {
        imports: [
          RateLimitModule.forRootAsync({
            imports: [LimitsModule, UsersModule],
            inject: [LIMITS, CLOCK],
            useFactory: optionsFrom,
          }),
        ],
        controllers: [PingController],
      });
      await expectTwoPerMinute(app);
    });

    it('an async useFactory', async () => {
      app = await createApp(platform, {
        imports: [
          RateLimitModule.forRootAsync({
            imports: [LimitsModule, UsersModule],
            inject: [LIMITS, CLOCK],
            useFactory: async (limits: { perMinute: number }, clock: FakeClock) => optionsFrom(limits, clock),
          }),
        ],
        controllers: [PingController],
      });
      await expectTwoPerMinute(app);
    });

    it('useClass, the class injecting from `imports`', async () => {
      app = await createApp(platform, {
        imports: [RateLimitModule.forRootAsync({ imports: [LimitsModule, UsersModule], useClass: RateLimitOptions })],
        controllers: [PingController],
      });
      await expectTwoPerMinute(app);
    });

    it('useExisting, the class provided by an imported module', async () => {
      const { Module } = await import('@nestjs/common');
      @Module({ imports: [LimitsModule], providers: [RateLimitOptions], exports: [RateLimitOptions] })
      class OptionsModule {}
      app = await createApp(platform, {
        imports: [
          RateLimitModule.forRootAsync({ imports: [OptionsModule, UsersModule], useExisting: RateLimitOptions }),
        ],
        controllers: [PingController],
      });
      await expectTwoPerMinute(app);
    });
  });

  describe('forRoot', () => {
    it('auth as a class injecting a provider from the `imports` option', async () => {
      app = await createApp(platform, {
        imports: [
          RateLimitModule.forRoot({
            imports: [UsersModule],
            auth: TokenAuth,
            storage: new MemoryStorage({ clock: new FakeClock().now }),
            config: { '^/ping': [{ minute: 2 }] },
          }),
        ],
        controllers: [PingController],
      });
      await expectTwoPerMinute(app);
    });

    it('storage as an instance: that very instance counts', async () => {
      const storage = new MemoryStorage({ clock: new FakeClock().now });
      app = await createApp(platform, {
        imports: [RateLimitModule.forRoot({ auth: headerAuth(), storage, config: { '^/ping': [{ minute: 1 }] } })],
        controllers: [PingController],
      });
      expect(app.get(RATE_LIMIT_STORAGE)).toBe(storage);
      expect(storage.size).toBe(0);
      await http(app).get('/ping').set(as('a'));
      await http(app).get('/ping').set(as('b'));
      expect(storage.size).toBe(2);
    });

    it('storage as a class built by Nest DI, with its dependencies from `imports`: one call per request', async () => {
      app = await createApp(platform, {
        imports: [
          RateLimitModule.forRoot({
            imports: [LimitsModule],
            auth: headerAuth(),
            storage: CountingStorage,
            config: { '^/ping': [{ second: 5, minute: 10 }], '^/p': [{ hour: 20 }] },
          }),
        ],
        controllers: [PingController],
      });
      const calls = app.get<{ count: number }>(STORAGE_CALLS, { strict: false });
      const before = calls.count;
      const response = await http(app).get('/ping').set(as('a'));
      expect(response.headers['ratelimit-policy']).toBe('"second";q=5;w=1, "minute";q=10;w=60, "hour";q=20;w=3600');
      expect(calls.count).toBe(before + 1); // three limits, one storage call
    });

    it('no auth option: callers are told apart by IP (ClientIpAuth; X-Real-IP from a loopback peer)', async () => {
      app = await createApp(platform, {
        imports: [
          RateLimitModule.forRoot({
            storage: new MemoryStorage({ clock: new FakeClock().now }),
            config: { '^/ping': [{ minute: 1 }] },
          }),
        ],
        controllers: [PingController],
      });
      expect((await http(app).get('/ping')).status).toBe(200);
      expect((await http(app).get('/ping')).status).toBe(429);
      expect((await http(app).get('/ping').set('x-real-ip', '203.0.113.7')).status).toBe(200);
      expect((await http(app).get('/ping').set('x-real-ip', '203.0.113.7')).status).toBe(429);
    });
  });

  describe('algorithm and keyPrefix', () => {
    it("the module's algorithm applies to rules that name none; a rule's own algorithm wins", async () => {
      app = await createApp(platform, {
        imports: [
          RateLimitModule.forRoot({
            algorithm: 'gcra',
            auth: headerAuth(),
            storage: new MemoryStorage({ clock: new FakeClock().now }),
            config: { '^/ping': [{ minute: 2 }, { group: 'fixed', minute: 2, algorithm: 'fixed-window' }] },
          }),
        ],
        controllers: [PingController],
      });
      const retryAfter = async (group: string) => {
        for (let i = 0; i < 2; i++) expect((await http(app!).get('/ping').set(as(group, group))).status).toBe(200);
        return (await http(app!).get('/ping').set(as(group, group))).headers['retry-after'];
      };
      expect(await retryAfter('default')).toBe('30'); // GCRA: one more hit every 60/2 s
      expect(await retryAfter('fixed')).toBe('60'); // fixed window: the window's end
    });

    it('apps on one storage share counters under the same keyPrefix, not under different ones', async () => {
      const storage = new MemoryStorage({ clock: new FakeClock().now });
      const boot = (keyPrefix?: string) =>
        createApp(platform, {
          imports: [
            RateLimitModule.forRoot({ keyPrefix, auth: headerAuth(), storage, config: { '^/ping': [{ minute: 1 }] } }),
          ],
          controllers: [PingController],
        });
      const apps = [await boot(), await boot('ratelimit'), await boot('other-app')];
      try {
        expect((await http(apps[0]).get('/ping').set(as('k'))).status).toBe(200);
        expect((await http(apps[1]).get('/ping').set(as('k'))).status).toBe(429); // 'ratelimit' is the default
        expect((await http(apps[2]).get('/ping').set(as('k'))).status).toBe(200);
      } finally {
        await Promise.all(apps.map((one) => one.close()));
      }
    });
  });

  describe('RateLimitService', () => {
    it('consume / check in a scope of its own, and reset of a user across every scope', async () => {
      const clock = new FakeClock();
      app = await createApp(platform, {
        imports: [
          RateLimitModule.forRoot({
            auth: headerAuth(),
            storage: new MemoryStorage({ clock: clock.now }),
            config: { '^/ping': [{ minute: 1 }] },
          }),
        ],
        controllers: [PingController, ServiceController],
      });
      expect((await http(app).get('/export/zoe/check')).body).toEqual({ allowed: true });
      expect((await http(app).post('/export/zoe')).body).toEqual({ allowed: true, retryAfter: 0 });
      expect((await http(app).get('/export/zoe/check')).body).toEqual({ allowed: false });
      expect((await http(app).post('/export/zoe')).body).toEqual({ allowed: false, retryAfter: 3600 });
      expect((await http(app).get('/ping').set(as('zoe'))).status).toBe(200);
      expect((await http(app).get('/ping').set(as('zoe'))).status).toBe(429);

      await http(app).post('/reset/zoe');
      expect((await http(app).get('/ping').set(as('zoe'))).status).toBe(200);
      expect((await http(app).post('/export/zoe')).body).toEqual({ allowed: true, retryAfter: 0 });
    });
  });

  describe('the `guard` extra', () => {
    it('false: no global guard; @UseGuards(RateLimitGuard) still limits', async () => {
      app = await createApp(platform, {
        imports: [
          RateLimitModule.forRoot({
            guard: false,
            auth: headerAuth(),
            storage: new MemoryStorage({ clock: new FakeClock().now }),
          }),
        ],
        controllers: [GuardedController, UnguardedController],
      });
      for (let i = 0; i < 3; i++) expect((await http(app).get('/unguarded').set(as('g'))).status).toBe(200);
      expect((await http(app).get('/guarded').set(as('g'))).status).toBe(200);
      expect((await http(app).get('/guarded').set(as('g'))).status).toBe(429);
    });

    it('a RateLimitGuard subclass replaces the global guard', async () => {
      app = await createApp(platform, {
        imports: [
          RateLimitModule.forRoot({
            guard: SharedUserGuard,
            auth: headerAuth(),
            storage: new MemoryStorage({ clock: new FakeClock().now }),
            config: { '^/ping': [{ minute: 1 }] },
          }),
        ],
        controllers: [PingController],
      });
      expect((await http(app).get('/ping').set(as('one'))).status).toBe(200);
      expect((await http(app).get('/ping').set(as('two'))).status).toBe(429); // both are 'everyone'
    });
  });
});
