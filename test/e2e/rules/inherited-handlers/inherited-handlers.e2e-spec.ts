import type { INestApplication } from '@nestjs/common';
import { createApp, http, PLATFORMS } from '../../../support/app.js';
import { as } from '../../../support/header-auth.js';
import { InheritedHandlersAppModule } from './app.module.js';

/** One handler function inherited by several controllers: each route keeps its own controller's rules. */
describe.each(PLATFORMS)('inherited handlers on %s', (platform) => {
  let app: INestApplication;
  const get = (path: string, user: string) => http(app).get(path).set(as(user));

  beforeAll(async () => {
    app = await createApp(platform, InheritedHandlersAppModule);
  });
  afterAll(() => app.close());

  it("applies each controller's @RateLimit to the handler it inherits, whichever route is met first", async () => {
    expect((await get('/two/items', 'u')).headers['ratelimit-policy']).toBe('"minute";q=2;w=60');
    const first = await get('/one/items', 'u');
    expect(first.headers['ratelimit-policy']).toBe('"minute";q=1;w=60');
    expect((await get('/one/items', 'u')).status).toBe(429);
    expect((await get('/two/items', 'u')).status).toBe(200);
    expect((await get('/two/items', 'u')).status).toBe(429);
  });

  it('skips the route of a controller with @SkipRateLimit, and only that one', async () => {
    for (let i = 0; i < 3; i++) {
      const open = await get('/open/items', 'v');
      expect(open.status).toBe(200);
      expect(open.headers['ratelimit-policy']).toBeUndefined();
    }
    expect((await get('/one/items', 'v')).status).toBe(200);
    expect((await get('/one/items', 'v')).status).toBe(429);
  });
});
