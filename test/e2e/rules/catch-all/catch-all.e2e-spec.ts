import { Controller, Get, type INestApplication } from '@nestjs/common';
import { createJwtAuth, RateLimit, RateLimitModule } from '../../../../lib/index.js';
import { createApp, http, PLATFORMS } from '../../../support/app.js';
import { bearer, hs256, SECRET } from '../../../support/tokens.js';

@Controller()
class ReportsController {
  @Get('reports') reports() {
    return 'ok';
  }
  @Get('exports')
  @RateLimit({ group: 'admin' }, { minute: 2 }, { group: '*', minute: 1 })
  exports() {
    return 'ok';
  }
}

/** A JWT group that no rule names: without a catch-all it would be unlimited (asgi semantics). */
describe.each(PLATFORMS)("group '*' catch-all rules on %s", (platform) => {
  let app: INestApplication;
  const as = (user: string, group?: string) => bearer(hs256(group === undefined ? { user } : { user, group }));

  beforeAll(async () => {
    app = await createApp(platform, {
      imports: [
        RateLimitModule.forRoot({
          auth: createJwtAuth(SECRET),
          config: {
            '^/reports': [{ group: 'admin' }, { minute: 2 }, { group: '*', minute: 1 }],
            '^/': [{ group: 'admin' }, { minute: 100 }], // no catch-all: unknown groups add nothing here
          },
        }),
      ],
      controllers: [ReportsController],
    });
  });
  afterAll(() => app.close());

  it.each(['/reports', '/exports'])(
    '%s: a group the config does not know is limited by the catch-all',
    async (path) => {
      const intern = as(`intern${path}`, 'intern');
      expect((await http(app).get(path).set(intern)).status).toBe(200);
      expect((await http(app).get(path).set(intern)).status).toBe(429);
      const other = as(`contractor${path}`, 'contractor');
      expect((await http(app).get(path).set(other)).status).toBe(200);
      expect((await http(app).get(path).set(other)).status).toBe(429);
    },
  );

  it.each(['/reports', '/exports'])('%s: groups with their own earlier rule keep it', async (path) => {
    const admin = as(`root${path}`, 'admin');
    for (let i = 0; i < 5; i++) expect((await http(app).get(path).set(admin)).status).toBe(200);
    const user = as(`user${path}`);
    expect((await http(app).get(path).set(user)).status).toBe(200);
    expect((await http(app).get(path).set(user)).status).toBe(200);
    expect((await http(app).get(path).set(user)).status).toBe(429);
  });
});
