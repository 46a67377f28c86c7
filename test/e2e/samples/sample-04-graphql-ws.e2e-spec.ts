import type { INestApplication } from '@nestjs/common';
import { AppModule } from '../../../sample/04-graphql-ws/app.module.js';
import { createApp } from '../../support/app.js';
import { gql } from '../../support/graphql-app.js';
import { listen } from '../../support/raw-request.js';
import { socketIoClient, type WsTestClient } from '../../support/ws-clients.js';

describe('sample 04-graphql-ws', () => {
  let app: INestApplication;
  let base: string;
  const clients: WsTestClient[] = [];
  beforeAll(async () => {
    app = await createApp('express', AppModule);
    base = await listen(app);
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await app.close();
  });

  const from = (ip: string) => ({ 'x-forwarded-for': ip }); // the test's loopback peer is a trusted proxy

  it('limits the quote query to 5 per minute per caller, with headers and a TOO_MANY_REQUESTS error', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await gql(app, `{ quote(id: ${i}) { id text } }`, from('198.51.100.1'));
      expect(response.body.data.quote.id).toBe(i);
    }
    const rejected = await gql(app, '{ quote(id: 9) { id } }', from('198.51.100.1'));
    expect(rejected.body.errors[0]).toMatchObject({
      message: 'Too Many Requests',
      extensions: { code: 'TOO_MANY_REQUESTS', retryAfter: 60 },
    });
    expect(rejected.headers['retry-after']).toBe('60');
    expect((await gql(app, '{ count }', from('198.51.100.1'))).body).toEqual({ data: { count: 2 } });
  });

  it('counts 30 GraphQL requests per minute per caller, however many fields each asks', async () => {
    for (let i = 0; i < 30; i++) {
      expect((await gql(app, '{ a: count b: count c: count }', from('198.51.100.2'))).body.errors).toBeUndefined();
    }
    const rejected = await gql(app, '{ count }', from('198.51.100.2'));
    expect(rejected.body.errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
  });

  it('limits chat messages to one per second per caller on the gateway', async () => {
    const chat = await socketIoClient(base, { headers: from('198.51.100.3') }, '/chat');
    clients.push(chat);
    expect(await chat.ask('say', 'hi')).toMatchObject({ event: 'said', data: { text: 'hi' } });
    expect(await chat.ask('say', 'again')).toEqual({
      event: 'exception',
      data: { status: 'error', message: 'Too Many Requests', retryAfter: 1 },
    });
  });
});
