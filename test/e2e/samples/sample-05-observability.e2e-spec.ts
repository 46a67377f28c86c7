import type { INestApplication } from '@nestjs/common';
import { AppModule } from '../../../sample/05-observability/app.module.js';
import { createApp, http, PLATFORMS } from '../../support/app.js';
import { parsePrometheusText, requestCounts } from '../../support/prometheus-text.js';

describe.each(PLATFORMS)('sample 05-observability on %s', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(platform, AppModule);
  });
  afterAll(() => app.close());

  it('limited routes beside /metrics and /health: the counts, the shadow rule and the storage state', async () => {
    const search = [];
    for (let i = 0; i < 5; i++) search.push(await http(app).get('/api/search'));
    expect(search.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(search[4].headers['ratelimit']).toBe('"minute";r=0;t=60, "minute-2";r=5;t=60'); // the shadow 3/min, then 10/min
    const items = [];
    for (let i = 0; i < 6; i++) items.push((await http(app).get('/api/items')).status);
    expect(items).toEqual([200, 200, 200, 200, 200, 429]); // 10 per minute for /api together

    const metrics = await http(app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    const counts = requestCounts(parsePrometheusText(metrics.text));
    expect(counts).toEqual({
      'pattern:^/api': { allowed: 10, rejected: 1, blocked: 0, dry_run: 0 },
      'route:ApiController.search api search': { allowed: 3, rejected: 0, blocked: 0, dry_run: 2 }, // as its README says
    });

    const health = await http(app).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      info: { ratelimit: { status: 'up', storage: 'MemoryStorage', fallback: false } },
    });
  });
});
