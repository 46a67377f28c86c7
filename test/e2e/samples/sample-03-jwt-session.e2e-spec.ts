import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AppModule } from '../../../sample/03-jwt-session/app.module.js';
import { createApp, http, PLATFORMS } from '../../support/app.js';
import { SESSIONS } from '../auth/sessions.js';

describe.each(PLATFORMS)('sample 03-jwt-session on %s', (platform) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(platform, AppModule, SESSIONS[platform][0].configure);
  });
  afterAll(() => app.close());

  const login = async (user: string) => {
    const response = await http(app).post('/auth/login').send({ user, password: user });
    expect(response.status).toBe(201);
    return { Authorization: `Bearer ${response.body.token}` };
  };

  it('limits JWT users to 5 per minute on /api, each on their own budget; admins never', async () => {
    const alice = await login('alice');
    for (let i = 0; i < 5; i++) expect((await http(app).get('/api/data').set(alice)).status).toBe(200);
    const rejected = await http(app).get('/api/data').set(alice);
    expect(rejected.status).toBe(429);
    expect(Number(rejected.headers['retry-after'])).toBeGreaterThan(0);

    expect((await http(app).get('/api/data')).status).toBe(200); // anonymous: by IP, another budget

    const root = await login('root');
    for (let i = 0; i < 10; i++) expect((await http(app).get('/api/data').set(root)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await http(app).get('/api/report').set(root)).status).toBe(200);
  });

  it('identifies a signed-in session user without a token, and rejects a bad token with 401', async () => {
    const agent = request.agent(app.getHttpServer());
    await agent.post('/auth/login').send({ user: 'root', password: 'root' }).expect(201);
    for (let i = 0; i < 8; i++) expect((await agent.get('/api/data')).status).toBe(200); // admin via session

    const bad = await http(app).get('/api/data').set('Authorization', 'Bearer not.a.token');
    expect(bad.status).toBe(401);
  });
});
