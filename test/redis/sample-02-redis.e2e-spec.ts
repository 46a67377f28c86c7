import type { INestApplication } from '@nestjs/common';
import { AppModule } from '../../sample/02-redis/app.module.js';
import { createApp, http } from '../support/app.js';
import { RedisServer } from '../support/redis-harness.js';

// Sample 02 as its README runs it: two instances sharing one Redis, one in the ioredis form on Express,
// one in the node-redis form (REDIS_CLIENT=node-redis) on Fastify.
describe('sample 02-redis: two instances sharing one Redis', () => {
  let server: RedisServer;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    server = await RedisServer.start();
    process.env.REDIS_URL = `redis://127.0.0.1:${server.port}`;
    apps.push(await createApp('express', AppModule));
    process.env.REDIS_CLIENT = 'node-redis';
    apps.push(await createApp('fastify', AppModule));
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    delete process.env.REDIS_URL;
    delete process.env.REDIS_CLIENT;
    await server?.stop();
  });

  it('admits 5 requests per minute per caller, whichever instance answers; the 6th is rejected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await http(apps[i % 2]).get('/hello')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const client = await server.client();
    try {
      expect(await client.keys('ratelimit:*')).toEqual(['ratelimit:{127.0.0.1}']);
    } finally {
      client.disconnect();
    }
  });
});
