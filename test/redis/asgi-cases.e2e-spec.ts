import type { Redis } from 'ioredis';
import { RedisStorage } from '../../lib/index.js';
import { describeAsgiCases } from '../e2e/rules/asgi-cases/asgi-cases.js';
import { RedisServer } from '../support/redis-harness.js';

// asgi-ratelimit's cases with counters in Redis, driven by the cases' FakeClock (test-only `clock`
// option). Each app gets its own ioredis keyPrefix, so the Express and Fastify runs count apart.

let server: RedisServer;
let client: Redis;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
  client = await server.client();
});

afterAll(async () => {
  for (const each of [client, ...clients]) each?.disconnect();
  await server?.stop();
});

describeAsgiCases('RedisStorage', (clock, platform) => {
  const prefixed = client.duplicate({ keyPrefix: `${platform}:` });
  clients.push(prefixed);
  return new RedisStorage(prefixed, { clock: clock.now });
});
