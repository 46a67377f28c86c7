import { RedisStorage } from '../../lib/index.js';
import { describeAsgiCases } from '../e2e/rules/asgi-cases/asgi-cases.js';
import { PLATFORMS } from '../support/app.js';
import { CLIENT_KINDS, type TestClient } from '../support/redis-clients.js';
import { RedisServer } from '../support/redis-harness.js';

// asgi-ratelimit's cases with counters in Redis, driven by the cases' FakeClock (test-only `clock`
// option), with every client kind. Each app (client kind x platform) counts in a database of its own.

let server: RedisServer;
const clients = new Map<string, TestClient>();

beforeAll(async () => {
  server = await RedisServer.start();
  let database = 0;
  for (const kind of CLIENT_KINDS) {
    for (const platform of PLATFORMS) {
      clients.set(`${kind.name} ${platform}`, await kind.create('plain', { port: server.port, database: ++database }));
    }
  }
});

afterAll(async () => {
  await Promise.all([...clients.values()].map((client) => client.close()));
  await server?.stop();
});

for (const kind of CLIENT_KINDS) {
  describeAsgiCases(`RedisStorage (${kind.name})`, (clock, platform) => {
    return new RedisStorage(clients.get(`${kind.name} ${platform}`)!.client, { clock: clock.now });
  });
}
