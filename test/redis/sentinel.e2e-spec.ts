import { counterStates } from './support/counter-states.js';
import type { INestApplication } from '@nestjs/common';
import { RedisStorage } from '../../lib/index.js';
import { createApp, http, PLATFORMS } from '../support/app.js';
import { kindsFor, type TestClient } from '../support/redis-clients.js';
import { RedisServer } from '../support/redis-harness.js';
import { redisAppModule } from './support/redis-app.module.js';

const CASES = kindsFor('sentinel').flatMap((kind) => PLATFORMS.map((platform) => ({ kind, platform })));

describe.each(CASES)('RedisStorage on a $kind.name Sentinel client on $platform', ({ kind, platform }) => {
  let master: RedisServer;
  let sentinel: RedisServer;
  let client: TestClient;
  let app: INestApplication;

  beforeAll(async () => {
    master = await RedisServer.start();
    sentinel = await RedisServer.startSentinel(master, 'ratelimit-master');
    client = await kind.create('sentinel', { sentinel: { port: sentinel.port, name: 'ratelimit-master' } });
    app = await createApp(platform, redisAppModule(new RedisStorage(client.client)));
  });

  afterAll(async () => {
    await app?.close();
    await client?.close();
    await Promise.all([sentinel?.stop(), master?.stop()]);
  });

  it('finds the master through the Sentinel and counts there', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await http(app).get('/five').set('x-user', 'watched')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const direct = await master.client();
    // One fixed window: its count is 5.
    const counts = Object.values(await counterStates(direct, 'ratelimit:{watched}')).map(([count]) => count);
    expect(counts).toEqual([5]);
    direct.disconnect();
  });
});
