import type { INestApplication, INestMicroservice } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientIpAuth } from '../../../lib/index.js';
import { createApp, http, PLATFORMS } from '../../support/app.js';
import { call, connectTcpMicroservice, startTcpMicroservice } from '../../support/rpc.js';
import { AUDITED, payloadUserAuth, rpcScenario } from './app.module.js';

const TOO_MANY = { statusCode: 429, message: 'Too Many Requests', retryAfter: 60 };
const sum = (user: string, ...values: number[]) => ({ user, values });

describe('TCP microservice', () => {
  let service: INestMicroservice;
  let client: ClientProxy;
  beforeAll(async () => ({ service, client } = await startTcpMicroservice(rpcScenario())));
  afterAll(async () => {
    client.close();
    await service.close();
  });

  it('counts one hit per message; a rejection is the RpcException payload', async () => {
    expect(await call(client, { cmd: 'sum' }, sum('ann', 1, 2))).toEqual({ reply: 3 });
    expect(await call(client, { cmd: 'sum' }, sum('ann', 3))).toEqual({ reply: 3 });
    expect(await call(client, { cmd: 'sum' }, sum('ann', 4))).toEqual({ error: TOO_MANY });
    expect(await call(client, { cmd: 'sum' }, sum('bob', 5))).toEqual({ reply: 5 }); // own budget
    expect(await call(client, { cmd: 'free' }, sum('ann'))).toEqual({ reply: 'ok' });
  });

  it('limits events too: the ones over the limit are not handled', async () => {
    for (let i = 0; i < 3; i++) await lastValueFrom(client.emit('audit', { user: 'cy' }), { defaultValue: undefined });
    await call(client, { cmd: 'free' }, {}); // events and messages share the connection: the events came first
    expect(AUDITED.filter((user) => user === 'cy')).toEqual(['cy']);
  });

  it('an auth failure is an RpcException naming the cause', async () => {
    expect(await call(client, { cmd: 'sum' }, { values: [1] })).toEqual({
      error: {
        statusCode: 401,
        message: 'Rate limiting could not identify the caller (no identity): The message has no "user" field',
      },
    });
  });
});

describe('TCP microservice with ClientIpAuth', () => {
  let service: INestMicroservice;
  let client: ClientProxy;
  beforeAll(async () => ({ service, client } = await startTcpMicroservice(rpcScenario({ auth: ClientIpAuth }))));
  afterAll(async () => {
    client.close();
    await service.close();
  });

  it('finds no identity: an RpcException that says to read the call with a provider of your own', async () => {
    const { error } = await call(client, { cmd: 'sum' }, sum('ann', 1));
    expect(error).toEqual({
      statusCode: 401,
      message: expect.stringMatching(
        /^Rate limiting could not identify the caller \(no identity\): A rpc call has no request/,
      ),
    });
  });
});

describe.each(PLATFORMS)('hybrid app (HTTP on %s + TCP, inheritAppConfig)', (platform) => {
  let app: INestApplication;
  let client: ClientProxy;
  beforeAll(async () => {
    app = await createApp(platform, rpcScenario({ auth: [payloadUserAuth, ClientIpAuth] }));
    client = await connectTcpMicroservice(app);
  });
  afterAll(async () => {
    client.close();
    await app.close();
  });

  it('limits the HTTP routes (callers by IP) and the message handlers (by payload) with the one global guard', async () => {
    expect((await http(app).get('/status')).status).toBe(200);
    expect((await http(app).get('/status')).status).toBe(429);
    for (let i = 0; i < 2; i++) expect(await call(client, { cmd: 'sum' }, sum('x', i))).toEqual({ reply: i });
    expect(await call(client, { cmd: 'sum' }, sum('x', 9))).toEqual({ error: TOO_MANY });
  });
});
