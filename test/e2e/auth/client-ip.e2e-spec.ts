import { jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  ClientIpAuth,
  InvalidRateLimitConfigError,
  type ClientIpAuthOptions,
  type RateLimitModuleOptions,
} from '../../../lib/index.js';
import { http, PLATFORMS, type Platform } from '../../support/app.js';
import { bootProbe } from './probe.controller.js';

const boot = (platform: Platform, auth: RateLimitModuleOptions['auth'], configure?: (app: INestApplication) => void) =>
  bootProbe(platform, { auth }, { configure });

/** Who the app thinks is calling, given request headers (the peer is always 127.0.0.1 here). */
async function whoami(app: INestApplication, headers: Record<string, string> = {}): Promise<string> {
  const response = await http(app).get('/whoami').set(headers);
  expect(response.status).toBe(200);
  expect(response.body.group).toBe('default');
  return response.body.user;
}

describe.each(PLATFORMS)('ClientIpAuth on %s', (platform) => {
  describe('with the default trusted proxies (loopback and private ranges)', () => {
    let app: INestApplication;
    beforeAll(async () => {
      // the default auth is ClientIpAuth; with an express 'trust proxy' that would believe any XFF entry
      app = await boot(platform, undefined, (nest) => {
        if (platform === 'express') (nest.getHttpAdapter().getInstance() as any).set('trust proxy', true);
      });
    });
    afterAll(() => app.close());

    it('identifies a direct caller by the socket peer', async () => {
      expect(await whoami(app)).toBe('127.0.0.1');
    });

    it('takes X-Real-IP from a trusted peer, in preference to X-Forwarded-For', async () => {
      expect(await whoami(app, { 'X-Real-IP': '203.0.113.7' })).toBe('203.0.113.7');
      expect(await whoami(app, { 'X-Real-IP': ' 203.0.113.7 ', 'X-Forwarded-For': '198.51.100.1' })).toBe(
        '203.0.113.7',
      );
    });

    it('takes the right-most untrusted X-Forwarded-For entry: spoofed left-most entries change nothing', async () => {
      expect(await whoami(app, { 'X-Forwarded-For': '203.0.113.7' })).toBe('203.0.113.7');
      expect(await whoami(app, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' })).toBe('203.0.113.7');
      expect(await whoami(app, { 'X-Forwarded-For': '1.1.1.1,2.2.2.2, 203.0.113.7, 10.0.0.2, 192.168.1.1' })).toBe(
        '203.0.113.7',
      );
    });

    it('gives a spoofing client the budget of its real address, not the spoofed one', async () => {
      const spoof = (left: string) => http(app).get('/limited').set('X-Forwarded-For', `${left}, 203.0.113.50`);
      expect((await spoof('1.1.1.1')).status).toBe(200);
      expect((await spoof('2.2.2.2')).status).toBe(429);
      expect((await spoof('3.3.3.3')).status).toBe(429);
      expect((await http(app).get('/limited').set('X-Forwarded-For', '203.0.113.51')).status).toBe(200);
    });

    it('takes the left-most entry when every hop is a trusted proxy', async () => {
      expect(await whoami(app, { 'X-Forwarded-For': '10.0.0.5, 10.0.0.2' })).toBe('10.0.0.5');
    });

    it('ignores malformed values: X-Real-IP falls back to X-Forwarded-For, a bad hop stops the walk', async () => {
      expect(await whoami(app, { 'X-Real-IP': 'garbage', 'X-Forwarded-For': '203.0.113.7' })).toBe('203.0.113.7');
      expect(await whoami(app, { 'X-Real-IP': 'garbage' })).toBe('127.0.0.1');
      expect(await whoami(app, { 'X-Real-IP': '203.0.113.7, 198.51.100.1' })).toBe('127.0.0.1');
      expect(await whoami(app, { 'X-Forwarded-For': 'garbage, 203.0.113.7' })).toBe('203.0.113.7');
      expect(await whoami(app, { 'X-Forwarded-For': '203.0.113.7, garbage' })).toBe('127.0.0.1');
      expect(await whoami(app, { 'X-Forwarded-For': '203.0.113.7, garbage, 10.0.0.2' })).toBe('10.0.0.2');
      expect(await whoami(app, { 'X-Forwarded-For': '203.0.113.7, ,' })).toBe('203.0.113.7');
    });

    it('accepts ports and brackets as proxies write them', async () => {
      expect(await whoami(app, { 'X-Forwarded-For': '203.0.113.7:51234' })).toBe('203.0.113.7');
      expect(await whoami(app, { 'X-Forwarded-For': '[2001:db8:1:2::1]:443' })).toBe('2001:db8:1:2::/64');
    });

    it('treats IPv4-mapped IPv6 as IPv4', async () => {
      expect(await whoami(app, { 'X-Real-IP': '::ffff:203.0.113.7' })).toBe('203.0.113.7');
      expect(await whoami(app, { 'X-Forwarded-For': '::ffff:10.0.0.9, ::FFFF:203.0.113.7' })).toBe('203.0.113.7');
    });

    it('groups IPv6 clients by their /64', async () => {
      expect(await whoami(app, { 'X-Real-IP': '2001:db8:1:2::1' })).toBe('2001:db8:1:2::/64');
      expect(await whoami(app, { 'X-Real-IP': '2001:0DB8:0001:0002:ffff:ffff:ffff:ffff' })).toBe('2001:db8:1:2::/64');
      expect(await whoami(app, { 'X-Forwarded-For': '2001:db8:1:3:abcd::1' })).toBe('2001:db8:1:3::/64');

      const from = (ip: string) => http(app).get('/limited').set('X-Real-IP', ip);
      expect((await from('2001:db8:aa:1::1')).status).toBe(200);
      expect((await from('2001:db8:aa:1::2')).status).toBe(429); // same /64, same budget
      expect((await from('2001:db8:aa:2::1')).status).toBe(200); // next /64
    });

    it.each([
      ['X-Real-IP', '['],
      ['X-Real-IP', ':::::'],
      ['X-Real-IP', '[::1]:99999'],
      ['X-Real-IP', '999.999.999.999'],
      ['X-Real-IP', 'x'.repeat(8000)],
      ['X-Forwarded-For', ',,,,'],
      ['X-Forwarded-For', 'unknown'],
      ['X-Forwarded-For', '%'],
      ['X-Forwarded-For', '1.2.3.4:abc'],
      ['X-Forwarded-For', `${'1.2.3.4,'.repeat(1000)}`],
      ['X-Forwarded-For', '"1.2.3.4"'],
    ])('never fails on a malformed %s (%#)', async (header, value) => {
      const response = await http(app).get('/whoami').set(header, value);
      expect(response.status).toBe(200);
      expect(response.body.user).toMatch(/^(?:127\.0\.0\.1|1\.2\.3\.4)$/);
      expect((await http(app).get('/limited').set(header, value)).status).toBeLessThan(500);
    });
  });

  it('warns once, naming "trustedProxies", when an untrusted peer sends proxy headers (never with \'none\')', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    const listed = await boot(platform, new ClientIpAuth({ trustedProxies: ['10.0.0.0/8'] }));
    const none = await boot(platform, new ClientIpAuth({ trustedProxies: 'none' }));
    try {
      const ours = () => warn.mock.calls.filter(([message]) => String(message).startsWith('ClientIpAuth'));
      expect(await whoami(listed)).toBe('127.0.0.1');
      expect(ours()).toEqual([]);
      for (const headers of [{ 'X-Forwarded-For': '203.0.113.7' }, { 'X-Real-IP': '203.0.113.8' }] as Record<
        string,
        string
      >[]) {
        for (let i = 0; i < 3; i++) expect(await whoami(listed, headers)).toBe('127.0.0.1');
        expect(await whoami(none, headers)).toBe('127.0.0.1');
      }
      expect(ours()).toHaveLength(1);
      expect(ours()[0][0]).toContain('ClientIpAuth ignored X-Forwarded-For from 127.0.0.1');
      expect(ours()[0][0]).toContain(`"trustedProxies" (e.g. new ClientIpAuth({ trustedProxies: ['127.0.0.1'] }))`);
    } finally {
      warn.mockRestore();
      await Promise.all([listed.close(), none.close()]);
    }
  });

  it("with trustedProxies 'none', uses the socket peer and ignores every header", async () => {
    const app = await boot(platform, new ClientIpAuth({ trustedProxies: 'none' }));
    try {
      expect(await whoami(app, { 'X-Real-IP': '203.0.113.7', 'X-Forwarded-For': '198.51.100.1' })).toBe('127.0.0.1');
    } finally {
      await app.close();
    }
  });

  it('with a trusted-proxies list, believes only the listed peers and hops', async () => {
    const untrustedPeer = await boot(platform, new ClientIpAuth({ trustedProxies: ['10.0.0.0/8'] }));
    const listed = await boot(platform, new ClientIpAuth({ trustedProxies: ['127.0.0.1', '10.0.0.0/8'] }));
    try {
      expect(await whoami(untrustedPeer, { 'X-Real-IP': '203.0.113.7' })).toBe('127.0.0.1');
      expect(await whoami(untrustedPeer, { 'X-Forwarded-For': '203.0.113.7' })).toBe('127.0.0.1');
      // 192.168.1.1 is not in the list, so it is the client even though it is private
      expect(await whoami(listed, { 'X-Forwarded-For': '203.0.113.7, 192.168.1.1, 10.1.1.1' })).toBe('192.168.1.1');
      expect(await whoami(listed, { 'X-Real-IP': '203.0.113.7' })).toBe('203.0.113.7');
    } finally {
      await untrustedPeer.close();
      await listed.close();
    }
  });

  it('with ipv6Subnet, groups IPv6 clients by that prefix (128 = per address)', async () => {
    const by48 = await boot(platform, new ClientIpAuth({ ipv6Subnet: 48 }));
    const each = await boot(platform, new ClientIpAuth({ ipv6Subnet: 128 }));
    try {
      expect(await whoami(by48, { 'X-Real-IP': '2001:db8:1:2::1' })).toBe('2001:db8:1::/48');
      expect(await whoami(each, { 'X-Real-IP': '2001:db8:1:2::1' })).toBe('2001:db8:1:2::1');
    } finally {
      await by48.close();
      await each.close();
    }
  });

  it('as a class built by Nest DI, applies the defaults', async () => {
    const app = await boot(platform, ClientIpAuth);
    try {
      expect(await whoami(app, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' })).toBe('203.0.113.7');
    } finally {
      await app.close();
    }
  });

  it('identifies an IPv6 socket peer (::1, trusted by default, grouped by /64 like any IPv6 client)', async () => {
    const app = await boot(platform, undefined);
    const server = app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    try {
      const url = `http://[::1]:${(server.address() as AddressInfo).port}`;
      expect((await request(url).get('/whoami')).body.user).toBe('::/64');
      expect((await request(url).get('/whoami').set('X-Real-IP', '2001:db8::7')).body.user).toBe('2001:db8::/64');
    } finally {
      await app.close();
    }
  });
});

describe('ClientIpAuth options', () => {
  it.each<[ClientIpAuthOptions, string]>([
    [{ trustedProxies: ['10.0.0.0/33'] }, 'Invalid ClientIpAuth option "trustedProxies" entry: "10.0.0.0/33"'],
    [{ trustedProxies: ['proxy.local'] }, '"proxy.local"'],
    [{ trustedProxies: 'all' as any }, "use a list of CIDRs or 'none'"],
    [{ ipv6Subnet: 0 }, 'Invalid ClientIpAuth option "ipv6Subnet": 0'],
    [{ ipv6Subnet: 129 }, 'from 1 to 128'],
    [{ ipv6Subnet: 64.5 }, 'from 1 to 128'],
  ])('rejects %j at construction', (options, message) => {
    expect(() => new ClientIpAuth(options)).toThrow(InvalidRateLimitConfigError);
    expect(() => new ClientIpAuth(options)).toThrow(message);
  });
});
