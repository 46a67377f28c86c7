import { jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import { RedisStorage, type StorageErrorPolicy } from '../../lib/index.js';
import { createApp, http, PLATFORMS } from '../support/app.js';
import { CLIENT_LIBRARIES, type TestClient } from '../support/redis-clients.js';
import { freePort, RedisServer } from '../support/redis-harness.js';
import { redisAppModule } from './support/redis-app.module.js';

/** Polls `condition` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Statuses of `count` sequential GETs of `path` by `user`. */
async function statuses(app: INestApplication, path: string, user: string, count: number): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) result.push((await http(app).get(path).set('x-user', user)).status);
  return result;
}

/** What the storage wrapper logged through a spied Logger method (Nest logs its own lines too). */
const storageMessages = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.map((args) => String(args[0])).filter((message) => message.startsWith('Rate limit storage'));

const FIVE_THEN_429 = [200, 200, 200, 200, 200, 429, 429];

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
beforeEach(() => {
  unhandled = [];
});
afterEach(() => {
  expect(unhandled).toEqual([]);
  jest.restoreAllMocks();
});

const CASES = CLIENT_LIBRARIES.flatMap((kind) => PLATFORMS.map((platform) => ({ kind, platform })));

describe.each(CASES)('Redis outages with $kind.name on $platform', ({ kind, platform }) => {
  let server: RedisServer;
  let client: TestClient | undefined;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(() => server?.stop());
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await client?.close();
    client = undefined;
  });

  /** The scenario app on RedisStorage, with a fail-fast client (whose connection errors are expected). */
  async function boot(options: { onStorageError?: StorageErrorPolicy; storageTimeout?: number } = {}) {
    client = await kind.create('plain', { port: server.port });
    app = await createApp(platform, redisAppModule(new RedisStorage(client.client), options));
    return app;
  }

  it("'fallback': Redis killed mid-traffic and restarted -> no 5xx, limits enforced in process, back on Redis, logged once each", async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
    const app = await boot();
    const admin = await server.client();
    expect(await statuses(app, '/five', 'before', 7)).toEqual(FIVE_THEN_429);
    expect(await admin.exists('ratelimit:{before}')).toBe(1);
    admin.disconnect();

    // Traffic: batches of 10 concurrent requests from new users, until told to stop.
    const seen: number[] = [];
    let stop = false;
    const traffic = (async () => {
      for (let batch = 0; !stop; batch++) {
        const users = Array.from({ length: 10 }, (_, i) => `t${batch}-${i}`);
        const responses = await Promise.all(users.map((user) => http(app).get('/hundred').set('x-user', user)));
        seen.push(...responses.map((response) => response.status));
      }
    })();
    await until(() => seen.length >= 50, 'traffic before the kill');
    await server.kill();
    const atKill = seen.length;
    await until(() => seen.length >= atKill + 100, 'traffic during the outage');

    // Down: the same rules, counted in this process.
    expect(await statuses(app, '/five', 'during', 7)).toEqual(FIVE_THEN_429);

    await server.restart();
    const after = await server.client();
    let n = 0;
    await until(async () => {
      await http(app).get('/five').set('x-user', `after-${++n}`);
      return (await after.exists(`ratelimit:{after-${n}}`)) === 1;
    }, 'requests counted in Redis again after the restart');
    expect(await statuses(app, '/five', `after-${n}`, 6)).toEqual(FIVE_THEN_429.slice(1));
    after.disconnect();
    stop = true;
    await traffic;

    expect(seen.filter((status) => status !== 200)).toEqual([]);
    expect(storageMessages(warn)).toEqual([
      expect.stringMatching(/Rate limit storage failed .*counting in this process/),
      expect.stringMatching(/answers again/),
    ]);
    expect(storageMessages(log)).toEqual([]);
  });

  /**
   * The scenario app on a client whose Redis is not there (nothing listens on its port); the
   * bootstrap wait for readiness is cut short by `storageTimeout`.
   */
  async function bootWithoutRedis(onStorageError: StorageErrorPolicy) {
    client = await kind.create('plain', { port: await freePort(), connected: false });
    const options = { onStorageError, storageTimeout: 200 };
    app = await createApp(platform, redisAppModule(new RedisStorage(client.client), options));
    return app;
  }

  it("'allow': while Redis is down every request is admitted", async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    const app = await bootWithoutRedis('allow');
    expect(await statuses(app, '/five', 'allowed', 8)).toEqual(Array(8).fill(200));
  });

  it("'deny': while Redis is down every request is rejected with 503, never 500", async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    const app = await bootWithoutRedis('deny');
    for (let i = 0; i < 3; i++) {
      const response = await http(app).get('/five').set('x-user', 'denied');
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ statusCode: 503, message: expect.stringMatching(/onStorageError: deny/) });
    }
    expect((await http(app).get('/free-of-rules-404')).status).toBe(404); // routes without rules never ask Redis
  });

  it('storageTimeout: a stalled Redis (CLIENT PAUSE) is answered by the fallback without waiting for it', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
    const app = await boot({ storageTimeout: 100 });
    const admin = await server.client();
    const writer = await server.client();
    expect(await statuses(app, '/five', 'warm', 1)).toEqual([200]);

    await admin.client('PAUSE', 20_000, 'WRITE'); // scripts and writes wait; reads and CLIENT still answer
    let writerDone = false;
    const write = writer.set('written-during-pause', '1').then(() => (writerDone = true));
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => http(app).get('/hundred').set('x-user', `stalled-${i}`)),
    );
    expect(concurrent.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(await statuses(app, '/five', 'stalled', 7)).toEqual(FIVE_THEN_429); // enforced in process
    expect(writerDone).toBe(false); // every answer above came while Redis was still paused
    expect(storageMessages(warn)).toEqual([expect.stringMatching(/did not answer within 100 ms \(storageTimeout\)/)]);

    await admin.client('UNPAUSE');
    await write;
    let n = 0;
    await until(async () => {
      await http(app).get('/five').set('x-user', `resumed-${++n}`);
      return (await admin.exists(`ratelimit:{resumed-${n}}`)) === 1;
    }, 'requests counted in Redis again after the pause');
    admin.disconnect();
    writer.disconnect();
  });
});
