import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisStorage } from '../../lib/index.js';
import { createApp, http, PLATFORMS } from '../support/app.js';
import { CLIENT_KINDS, type TestClient } from '../support/redis-clients.js';
import { RedisServer } from '../support/redis-harness.js';
import { commandsDuring } from './support/monitor.js';
import { redisAppModule } from './support/redis-app.module.js';

const CASES = CLIENT_KINDS.flatMap((kind) => PLATFORMS.map((platform) => ({ kind, platform })));

describe.each(CASES)('Redis round trips per request with $kind.name on $platform', ({ kind, platform }) => {
  let server: RedisServer;
  let client: TestClient;
  let admin: Redis;
  let app: INestApplication;

  beforeAll(async () => {
    server = await RedisServer.start();
    client = await kind.create('plain', { port: server.port });
    admin = await server.client();
    app = await createApp(platform, redisAppModule(new RedisStorage(client.client)));
    expect((await http(app).get('/stacked').set('x-user', 'warm-up')).status).toBe(200); // loads the script
  });

  afterAll(async () => {
    await app?.close();
    await client?.close();
    admin?.disconnect();
    await server?.stop();
  });

  it('a request with 4 stacked limits (2 rules) is exactly 1 Redis command: EVALSHA', async () => {
    const responses: { status: number; policy: string }[] = [];
    const { sent, evalsha } = await commandsDuring(admin, async () => {
      for (let i = 0; i < 10; i++) {
        const response = await http(app).get('/stacked').set('x-user', 'stacker');
        responses.push({ status: response.status, policy: response.headers['ratelimit-policy'] });
      }
    });
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(responses[0].policy.split(',')).toHaveLength(4);
    expect(sent).toEqual(Array(10).fill('evalsha'));
    expect(evalsha).toBe(10);
  });

  it('a blocked client costs 0 Redis commands until its block ends', async () => {
    expect((await http(app).get('/block').set('x-user', 'hammer')).status).toBe(200);
    const blocking = await http(app).get('/block').set('x-user', 'hammer');
    expect(blocking.status).toBe(429);
    expect(blocking.headers['retry-after']).toBe('60');

    const statuses: number[] = [];
    const { sent, evalsha } = await commandsDuring(admin, async () => {
      for (let i = 0; i < 20; i++) statuses.push((await http(app).get('/block').set('x-user', 'hammer')).status);
    });
    expect(statuses).toEqual(Array(20).fill(429));
    expect(sent).toEqual([]);
    expect(evalsha).toBe(0);
    const fields = Object.keys(await admin.hgetall('ratelimit:{hammer}'));
    expect(fields.filter((field) => field.endsWith(':block'))).toHaveLength(1); // the block lives in Redis
  });
});
