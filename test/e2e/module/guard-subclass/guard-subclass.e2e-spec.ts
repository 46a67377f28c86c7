import type { INestApplication } from '@nestjs/common';
import { MemoryStorage } from '../../../../lib/index.js';
import { createApp, http, PLATFORMS } from '../../../support/app.js';
import { as } from '../../../support/header-auth.js';
import { GuardSubclassAppModule, TenantRateLimitGuard } from './app.module.js';

describe.each(PLATFORMS)('a RateLimitGuard subclass built from the public entry only, on %s', (platform) => {
  let app: INestApplication;
  const storage = new MemoryStorage();
  beforeAll(async () => {
    app = await createApp(platform, { imports: [GuardSubclassAppModule.register(storage)] });
  });
  afterAll(() => app.close());

  it('is the global guard, with the storage injected by InjectRateLimitStorage', () => {
    expect(TenantRateLimitGuard.last?.storage).toBe(storage);
  });

  it('ruleLists: both lists apply (reported by the overridden respond); internal calls skip every list', async () => {
    const first = await http(app).get('/reports').set(as('ann'));
    expect(first.headers['x-limited-by']).toBe(
      '@RateLimit on TenantController.reports; pattern "^/reports" in RateLimitModule config',
    );
    expect(first.headers['ratelimit']).toBe('"minute";r=1;t=60, "minute-2";r=2;t=60');
    for (let i = 0; i < 3; i++) {
      const internal = await http(app).get('/reports').set(as('ann')).set('X-Internal', 'yes');
      expect(internal.status).toBe(200);
      expect(internal.headers['ratelimit']).toBeUndefined();
    }
  });

  it("selectRules: a vip caller without a vip rule is limited by the default group's rules", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await http(app).get('/reports').set(as('val', 'vip'))).status);
    expect(statuses).toEqual([200, 200, 429]);
    for (let i = 0; i < 3; i++) expect((await http(app).get('/reports').set(as('adm', 'admin'))).status).toBe(200);
  });
});
