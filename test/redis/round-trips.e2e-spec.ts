import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisStorage } from '../../lib/index.js';
import { createApp, http, PLATFORMS } from '../support/app.js';
import { CLIENT_KINDS, type TestClient } from '../support/redis-clients.js';
import { RedisServer } from '../support/redis-harness.js';
import { redisAppModule } from './support/redis-app.module.js';

/**
 * Redis commands sent per request, seen by Redis itself: MONITOR lists every command with its source
 * (a client address, or `lua` for the script's own calls), INFO commandstats counts them.
 */
async function commandsDuring(admin: Redis, action: () => Promise<void>): Promise<{ sent: string[]; evalsha: number }> {
  const monitor = await admin.monitor(); // its own connection, closed below
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') seen.push(args.map(String));
  });
  const marker = async (name: string) => {
    await admin.echo(name);
    for (let i = 0; !seen.some((args) => args[1] === name); i++) {
      if (i === 1000) throw new Error(`MONITOR did not report ECHO ${name} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  try {
    await marker('measure-start');
    await admin.config('RESETSTAT');
    await action();
    const stats = String(await admin.info('commandstats'));
    await marker('measure-end');
    const start = seen.findIndex((args) => args[1] === 'measure-start');
    const end = seen.findIndex((args) => args[1] === 'measure-end');
    const sent = seen
      .slice(start + 1, end)
      .map((args) => args[0].toLowerCase())
      .filter((name) => name !== 'config' && name !== 'info');
    const evalsha = Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    return { sent, evalsha };
  } finally {
    monitor.disconnect();
  }
}

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
