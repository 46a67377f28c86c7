import type { INestApplication } from '@nestjs/common';
import { AppModule } from '../../../sample/01-memory-ip/app.module.js';
import { createApp, http, PLATFORMS } from '../../support/app.js';

describe.each(PLATFORMS)('sample 01-memory-ip on %s', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(platform, AppModule);
  });
  afterAll(() => app.close());

  it("limits /second_limit to one request per second per IP, as in the sample's README", async () => {
    const admitted = await http(app).get('/second_limit');
    expect(admitted.status).toBe(200);
    expect(admitted.headers['ratelimit-policy']).toBe('"second";q=1;w=1');
    expect(admitted.headers['ratelimit']).toBe('"second";r=0;t=1');
    const rejected = await http(app).get('/second_limit');
    expect(rejected.status).toBe(429);
    expect(rejected.headers['retry-after']).toBe('1');
    expect(rejected.body).toEqual({ statusCode: 429, message: 'Too Many Requests', retryAfter: 1 });
  });

  it('never limits the admin group (X-Group: admin in this demo)', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await http(app).get('/minute_limit').set('X-Group', 'admin');
      expect(response.status).toBe(200);
      expect(response.headers['ratelimit']).toBeUndefined();
    }
  });

  it('route decorators: GET /reports skips admins, POST /reports is limited per second and blocks', async () => {
    for (let i = 0; i < 12; i++) expect((await http(app).get('/reports').set('X-Group', 'admin')).status).toBe(200);
    expect((await http(app).post('/reports')).status).toBe(201);
    const rejected = await http(app).post('/reports');
    expect(rejected.status).toBe(429);
    expect(rejected.headers['retry-after']).toBe('600'); // blockTime: 600
  });
});
