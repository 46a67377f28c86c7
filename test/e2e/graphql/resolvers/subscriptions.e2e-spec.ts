import type { INestApplication } from '@nestjs/common';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createGraphQLApp, GRAPHQL_SERVERS } from '../../../support/graphql-app.js';
import { createJwtAuth } from '../../../../lib/index.js';
import { as, headerAuth } from '../../../support/header-auth.js';
import { hs256, SECRET } from '../../../support/tokens.js';
import { listen } from '../../../support/raw-request.js';
import { graphqlScenario, PUBSUB } from './app.module.js';

/**
 * What one subscription received first, within 5 s: a result (`{ data }` or `{ errors }`), or the
 * errors of a graphql-ws `error` message as `{ errors }`. Ticks are published until it has one.
 */
function firstResult(client: Client, query: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const ticks = setInterval(() => PUBSUB.publish('ticks', { ticks: 'tick' }), 50);
    const timer = setTimeout(() => finish(() => reject(new Error(`no result for ${query} within 5 s`))), 5000);
    let unsubscribe = () => {};
    const finish = (settle: () => void) => {
      clearInterval(ticks);
      clearTimeout(timer);
      unsubscribe();
      settle();
    };
    unsubscribe = client.subscribe(
      { query },
      {
        next: (result) => finish(() => resolve(result)),
        error: (error) => finish(() => (Array.isArray(error) ? resolve({ errors: error }) : reject(error))),
        complete: () => {},
      },
    );
  });
}

/** A graphql-ws client whose connections send `headers` with their upgrade request, and `connectionParams`. */
function wsClient(url: string, headers: Record<string, string>, connectionParams?: Record<string, unknown>): Client {
  class HeaderWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createClient({ url, webSocketImpl: HeaderWebSocket, retryAttempts: 0, lazy: true, connectionParams });
}

describe.each(GRAPHQL_SERVERS)('GraphQL subscriptions over graphql-ws on $name', (server) => {
  let app: INestApplication;
  let url: string;
  const clients: Client[] = [];
  beforeAll(async () => {
    app = await createGraphQLApp(
      server,
      graphqlScenario({ auth: headerAuth(), config: { '^/graphql': [{ minute: 100 }] } }),
      { subscriptions: true },
    );
    url = (await listen(app)).replace('http', 'ws') + '/graphql';
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await app.close();
  });

  it('limits a subscription when it starts, identity from the connection upgrade request', async () => {
    const kim = wsClient(url, as('kim'));
    clients.push(kim);
    expect(await firstResult(kim, 'subscription { ticks }')).toEqual({ data: { ticks: 'tick' } });
    const rejected = await firstResult(kim, 'subscription { ticks }');
    expect(rejected.errors[0]).toMatchObject({
      message: 'Too Many Requests',
      extensions: { code: 'TOO_MANY_REQUESTS', retryAfter: 60 },
    });

    const lee = wsClient(url, as('lee')); // another user: own budget
    clients.push(lee);
    expect(await firstResult(lee, 'subscription { ticks }')).toEqual({ data: { ticks: 'tick' } });
  });

  it('an unidentified connection gets UNAUTHENTICATED', async () => {
    const anonymous = wsClient(url, {});
    clients.push(anonymous);
    const result = await firstResult(anonymous, 'subscription { ticks }');
    expect(result.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe.each(GRAPHQL_SERVERS.filter((server) => server.name !== 'mercurius'))(
  'GraphQL subscriptions with JwtAuth on $name',
  (server) => {
    let app: INestApplication;
    let url: string;
    const clients: Client[] = [];
    beforeAll(async () => {
      app = await createGraphQLApp(server, graphqlScenario({ auth: createJwtAuth(SECRET) }), { subscriptions: true });
      url = (await listen(app)).replace('http', 'ws') + '/graphql';
    });
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.dispose()));
      await app.close();
    });

    it('reads the token from connectionParams.authorization (browsers cannot set WebSocket headers)', async () => {
      const client = wsClient(url, {}, { authorization: hs256({ user: 'max' }) });
      clients.push(client);
      expect(await firstResult(client, 'subscription { ticks }')).toEqual({ data: { ticks: 'tick' } });
      const rejected = await firstResult(client, 'subscription { ticks }');
      expect(rejected.errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
      const bad = wsClient(url, {}, { authorization: 'Bearer not.a.token' });
      clients.push(bad);
      expect((await firstResult(bad, 'subscription { ticks }')).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  },
);
