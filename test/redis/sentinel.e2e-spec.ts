import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisStorage } from '../../lib/index.js';
import { createApp, http, PLATFORMS } from '../support/app.js';
import { ready, RedisServer } from '../support/redis-harness.js';
import { FAIL_FAST, redisAppModule } from './support/redis-app.module.js';

describe.each(PLATFORMS)('RedisStorage on a Sentinel client on %s', (platform) => {
  let master: RedisServer;
  let sentinel: RedisServer;
  let client: Redis;
  let app: INestApplication;

  beforeAll(async () => {
    master = await RedisServer.start();
    sentinel = await RedisServer.startSentinel(master, 'ratelimit-master');
    client = await ready(
      new Redis({
        sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
        name: 'ratelimit-master',
        ...FAIL_FAST,
      }),
    );
    app = await createApp(platform, redisAppModule(new RedisStorage(client)));
  });

  afterAll(async () => {
    await app?.close();
    client?.disconnect();
    await Promise.all([sentinel?.stop(), master?.stop()]);
  });

  it('finds the master through the Sentinel and counts there', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await http(app).get('/five').set('x-user', 'watched')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const direct = await master.client();
    const state = await direct.hgetall('ratelimit:{watched}');
    expect(Object.entries(state).filter(([field]) => field.endsWith('#1'))).toEqual([[expect.any(String), '5']]);
    direct.disconnect();
  });
});
