import { HttpException, type INestApplication } from '@nestjs/common';
import type { RateLimitInfo } from '../../../../lib/index.js';
import { createApp, http, PLATFORMS } from '../../../support/app.js';
import { as } from '../../../support/header-auth.js';
import { OnBlockedAppModule } from './app.module.js';

describe.each(PLATFORMS)('onBlocked on %s', (platform) => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());

  it('may throw its own exception instead of the 429 (Retry-After is already set)', async () => {
    app = await createApp(platform, {
      imports: [
        OnBlockedAppModule.register((_context, info) => {
          throw new HttpException({ error: 'slow down', user: info.identity.user, wait: info.retryAfter }, 429);
        }),
      ],
    });
    expect((await http(app).get('/limited').set(as('eve'))).status).toBe(200);
    const rejected = await http(app).get('/limited').set(as('eve'));
    expect(rejected.status).toBe(429);
    expect(rejected.body).toEqual({ error: 'slow down', user: 'eve', wait: 1 });
    expect(rejected.headers['retry-after']).toBe('1');
    expect(rejected.headers['ratelimit']).toBe('"second";r=0;t=1');
  });

  it('when it returns (sync or async), the default 429 follows; it sees what was rejected', async () => {
    for (const sync of [true, false]) {
      const seen: RateLimitInfo[] = [];
      const onBlocked = sync
        ? (_context: unknown, info: RateLimitInfo) => void seen.push(info)
        : async (_context: unknown, info: RateLimitInfo) => {
            seen.push(info);
            return 'ignored';
          };
      app = await createApp(platform, { imports: [OnBlockedAppModule.register(onBlocked)] });
      expect((await http(app).get('/limited').set(as('eve'))).status).toBe(200);
      expect(seen).toHaveLength(0); // not called for admitted requests
      const rejected = await http(app).get('/limited').set(as('eve'));
      expect(rejected.status).toBe(429);
      expect(rejected.body).toEqual({ statusCode: 429, message: 'Too Many Requests', retryAfter: 1 });
      expect(seen).toEqual([
        {
          identity: { user: 'eve', group: 'default' },
          allowed: false,
          retryAfter: 1,
          blocked: false,
          limits: [{ name: 'second', limit: 1, window: 1, remaining: 0, reset: 1 }],
        },
      ]);

      await http(app).get('/block').set(as('eve'));
      await http(app).get('/block').set(as('eve'));
      expect(seen[1]).toMatchObject({ blocked: true, retryAfter: 10 });
      await app.close();
      app = undefined;
    }
  });
});
