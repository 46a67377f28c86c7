import type { INestApplication, INestMicroservice } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { RedisStorage } from '../../lib/index.js';
import { graphqlScenario } from '../e2e/graphql/resolvers/app.module.js';
import { rpcScenario } from '../e2e/microservices/app.module.js';
import { wsScenario } from '../e2e/websockets/app.module.js';
import { createGraphQLApp, gql, GRAPHQL_SERVERS } from '../support/graphql-app.js';
import { as, headerAuth } from '../support/header-auth.js';
import { RedisServer } from '../support/redis-harness.js';
import { call, startTcpMicroservice } from '../support/rpc.js';
import { WS_ADAPTERS } from '../support/ws-clients.js';
import { commandsDuring, SCRIPT_CALL } from './support/monitor.js';

/** GraphQL, WebSocket and RPC handlers on RedisStorage: the same limits, one EVALSHA per hit. */
let server: RedisServer;
let redis: Redis;
let admin: Redis;
beforeAll(async () => {
  server = await RedisServer.start();
  redis = await server.client({ enableOfflineQueue: false, maxRetriesPerRequest: 1 }); // fail fast (README)
  admin = await server.client();
});
afterAll(async () => {
  redis?.disconnect();
  admin?.disconnect();
  await server?.stop();
});

describe.each(GRAPHQL_SERVERS)('GraphQL on $name with RedisStorage', (graphqlServer) => {
  let app: INestApplication;
  beforeAll(async () => {
    const storage = new RedisStorage(redis);
    const config = { '^/graphql': [{ minute: 3 }] };
    app = await createGraphQLApp(
      graphqlServer,
      graphqlScenario({ auth: headerAuth(), storage, config, keyPrefix: graphqlServer.name }),
    );
    await gql(app, '{ free }', as('warm-up')); // loads the script
  });
  afterAll(() => app.close());

  it('one EVALSHA per HTTP request for the patterns, however many resolvers; one per limited resolver call', async () => {
    const bodies: unknown[] = [];
    const { sent } = await commandsDuring(admin, async () => {
      for (let i = 0; i < 2; i++) bodies.push((await gql(app, '{ a b c }', as('ann'))).body);
    });
    expect(bodies).toEqual(Array(2).fill({ data: { a: 'a', b: 'b', c: 'c' } }));
    expect(sent).toEqual([SCRIPT_CALL, SCRIPT_CALL]);

    const stacked = await commandsDuring(admin, async () => {
      bodies[0] = (await gql(app, '{ a limited otherLimited }', as('bob'))).body;
    });
    expect(bodies[0]).toEqual({ data: { a: 'a', limited: 'ok', otherLimited: 'ok' } });
    expect(stacked.sent).toEqual([SCRIPT_CALL, SCRIPT_CALL, SCRIPT_CALL]); // patterns + limited, then the other two
  });

  it('counts a pattern exactly once per request under concurrency (resolvers run in parallel)', async () => {
    const bodies = await Promise.all(
      Array.from({ length: 6 }, () => gql(app, '{ a b c }', as('cy')).then((r) => r.body)),
    );
    const full = bodies.filter((body) => body.errors === undefined);
    const rejected = bodies.filter((body) => body.errors !== undefined);
    expect(full).toHaveLength(3);
    for (const body of rejected) expect(body).toMatchObject({ data: { a: null, b: null, c: null } });
  });
});

describe.each(WS_ADAPTERS)('WebSocket gateway on $name with RedisStorage', (adapter) => {
  let app: INestApplication;
  let connect: Awaited<ReturnType<typeof adapter.start>>['connect'];
  beforeAll(async () => {
    const storage = new RedisStorage(redis);
    ({ app, connect } = await adapter.start(wsScenario({ auth: headerAuth(), storage, keyPrefix: adapter.name })));
  });
  afterAll(() => app.close());

  it('one EVALSHA per message, the same exception event when rejected', async () => {
    const client = await connect({ headers: as('dee') });
    // handleConnection counts the connection (1 EVALSHA) and may finish after the client sees it open
    for (let i = 0; (await admin.hlen(`${adapter.name}:{dee}`)) === 0; i++) {
      if (i === 250) throw new Error('the connection was not counted within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const events: unknown[] = [];
    const { sent } = await commandsDuring(admin, async () => {
      for (let i = 0; i < 3; i++) {
        events.push(await client.ask('ping', i));
      }
    });
    client.close();
    expect(events).toEqual([
      { event: 'pong', data: 0 },
      { event: 'pong', data: 1 },
      { event: 'exception', data: { status: 'error', message: 'Too Many Requests', retryAfter: 60 } },
    ]);
    expect(sent).toEqual([SCRIPT_CALL, SCRIPT_CALL, SCRIPT_CALL]);
  });
});

describe('TCP microservice with RedisStorage', () => {
  let service: INestMicroservice;
  let client: ClientProxy;
  beforeAll(async () => {
    ({ service, client } = await startTcpMicroservice(
      rpcScenario({ storage: new RedisStorage(redis), keyPrefix: 'rpc' }),
    ));
  });
  afterAll(async () => {
    client.close();
    await service.close();
  });

  it('one EVALSHA per message, the same RpcException payload when rejected', async () => {
    const replies: unknown[] = [];
    const { sent } = await commandsDuring(admin, async () => {
      for (let i = 0; i < 3; i++) replies.push(await call(client, { cmd: 'sum' }, { user: 'eve', values: [i] }));
    });
    expect(replies).toEqual([
      { reply: 0 },
      { reply: 1 },
      { error: { statusCode: 429, message: 'Too Many Requests', retryAfter: 60 } },
    ]);
    expect(sent).toEqual([SCRIPT_CALL, SCRIPT_CALL, SCRIPT_CALL]);
  });
});
