import type { INestApplication } from '@nestjs/common';
import { ClientIpAuth, createJwtAuth } from '../../../lib/index.js';
import { as, headerAuth } from '../../support/header-auth.js';
import { hs256, SECRET } from '../../support/tokens.js';
import { WS_ADAPTERS, type ConnectOptions, type WsTestClient } from '../../support/ws-clients.js';
import { wsScenario } from './app.module.js';

const TOO_MANY = { status: 'error', message: 'Too Many Requests', retryAfter: 60 };

describe.each(WS_ADAPTERS)('WebSocket gateway on the $name adapter', (adapter) => {
  let app: INestApplication;
  let connect: (options?: ConnectOptions) => Promise<WsTestClient>;
  const clients: WsTestClient[] = [];
  const open = async (options: ConnectOptions) => {
    const client = await connect(options);
    clients.push(client);
    return client;
  };
  afterEach(() => clients.splice(0).forEach((client) => client.close()));

  describe('identity from a header', () => {
    beforeAll(async () => ({ app, connect } = await adapter.start(wsScenario({ auth: headerAuth() }))));
    afterAll(() => app.close());

    it('counts one hit per message; a rejection is the exception event with the exact payload', async () => {
      const client = await open({ headers: as('ann') });
      expect(await client.ask('ping', 1)).toEqual({ event: 'pong', data: 1 });
      expect(await client.ask('ping', 2)).toEqual({ event: 'pong', data: 2 });
      expect(await client.ask('ping', 3)).toEqual({ event: 'exception', data: TOO_MANY });
      expect(await client.ask('free')).toEqual({ event: 'free', data: 'ok' }); // @SkipRateLimit; config patterns never apply
    });

    it('gives each user a budget shared by all their connections', async () => {
      const first = await open({ headers: as('bob') });
      const second = await open({ headers: as('bob') });
      const other = await open({ headers: as('cy') });
      expect(await first.ask('ping', 'a')).toEqual({ event: 'pong', data: 'a' });
      expect(await second.ask('ping', 'b')).toEqual({ event: 'pong', data: 'b' });
      expect(await first.ask('ping', 'c')).toEqual({ event: 'exception', data: TOO_MANY });
      expect(await second.ask('ping', 'd')).toEqual({ event: 'exception', data: TOO_MANY });
      expect(await other.ask('ping', 'e')).toEqual({ event: 'pong', data: 'e' });
    });

    it("applies the gateway's @RateLimit to its other handlers", async () => {
      const client = await open({ headers: as('dee') });
      for (let i = 0; i < 5; i++) {
        expect(await client.ask('echo', i)).toEqual({ event: 'echo', data: i });
      }
      expect(await client.ask('echo', 5)).toEqual({ event: 'exception', data: TOO_MANY });
    });

    it('emits an auth failure as the exception event naming the cause', async () => {
      const client = await open({});
      expect(await client.ask('ping', 1)).toEqual({
        event: 'exception',
        data: {
          status: 'error',
          message: 'Rate limiting could not identify the caller (no identity): no x-user header',
        },
      });
    });

    it('limits connections with RateLimitService.limitConnection in handleConnection', async () => {
      for (let i = 0; i < 3; i++) {
        const client = await open({ headers: as('eve') });
        expect(await client.ask('free')).toEqual({ event: 'free', data: 'ok' });
      }
      const fourth = await open({ headers: as('eve') }).catch(() => undefined);
      if (fourth !== undefined) expect(await fourth.next()).toEqual({ event: 'disconnect', data: undefined });
    });
  });

  describe('JwtAuth, then ClientIpAuth', () => {
    beforeAll(
      async () => ({ app, connect } = await adapter.start(wsScenario({ auth: [createJwtAuth(SECRET), ClientIpAuth] }))),
    );
    afterAll(() => app.close());

    const token = hs256({ user: 'fay' });
    const withToken: ConnectOptions =
      adapter.name === 'socket.io' ? { auth: { token } } : { headers: { authorization: `Bearer ${token}` } };

    it(`reads the token from ${adapter.name === 'socket.io' ? 'handshake.auth.token' : 'the Authorization header'}`, async () => {
      const client = await open(withToken);
      const again = await open(withToken);
      expect(await client.ask('ping', 1)).toEqual({ event: 'pong', data: 1 });
      expect(await again.ask('ping', 2)).toEqual({ event: 'pong', data: 2 });
      expect(await client.ask('ping', 3)).toEqual({ event: 'exception', data: TOO_MANY });
    });

    it('identifies others by address, with the proxy headers of the handshake under the trust rules', async () => {
      const viaProxy = await open({ headers: { 'x-forwarded-for': '203.0.113.7' } }); // loopback peer: trusted
      const other = await open({ headers: { 'x-forwarded-for': '203.0.113.8' } });
      for (let i = 0; i < 2; i++) {
        expect(await viaProxy.ask('ping', i)).toEqual({ event: 'pong', data: i });
      }
      expect(await viaProxy.ask('ping', 2)).toEqual({ event: 'exception', data: TOO_MANY });
      expect(await other.ask('ping', 3)).toEqual({ event: 'pong', data: 3 });
    });
  });
});
