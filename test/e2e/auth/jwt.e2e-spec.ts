import type { INestApplication } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { JwtModule, JwtService } from '@nestjs/jwt';
import {
  ClientIpAuth,
  createJwtAuth,
  InvalidRateLimitConfigError,
  JwtAuth,
  RateLimitModule,
  type JwtAuthOptions,
  type RateLimitModuleOptions,
} from '../../../lib/index.js';
import { createApp, http, PLATFORMS, type Platform } from '../../support/app.js';
import { bootProbe, ProbeController, revealIdentity } from './probe.controller.js';
import { bearer, pastExp, hmacWithKey, hs256, RSA, rs256, SECRET, unsigned } from '../../support/tokens.js';

const boot = (platform: Platform, options: RateLimitModuleOptions, imports: any[] = []) =>
  bootProbe(platform, options, { imports });

describe.each(PLATFORMS)('JwtAuth on %s', (platform) => {
  describe('createJwtAuth(secret) (HS256)', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await boot(platform, { auth: createJwtAuth(SECRET) });
    });
    afterAll(() => app.close());

    it('identifies the user and group from the claims, group default when absent', async () => {
      const admin = await http(app)
        .get('/whoami')
        .set(bearer(hs256({ user: 'alice', group: 'admin' })));
      expect(admin.body).toEqual({ user: 'alice', group: 'admin' });
      const plain = await http(app)
        .get('/whoami')
        .set(bearer(hs256({ user: 42 })));
      expect(plain.body).toEqual({ user: '42', group: 'default' });
    });

    it('accepts the Bearer scheme in any case', async () => {
      const token = hs256({ user: 'alice' });
      for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
        const response = await http(app).get('/whoami').set('Authorization', `${scheme}   ${token}`);
        expect(response.body.user).toBe('alice');
      }
    });

    it('limits users separately and never limits the admin group', async () => {
      const bob = bearer(hs256({ user: 'bob' }));
      expect((await http(app).get('/limited').set(bob)).status).toBe(200);
      expect((await http(app).get('/limited').set(bob)).status).toBe(429);
      expect(
        (
          await http(app)
            .get('/limited')
            .set(bearer(hs256({ user: 'carol' })))
        ).status,
      ).toBe(200);
      const root = bearer(hs256({ user: 'root', group: 'admin' }));
      for (let i = 0; i < 5; i++) expect((await http(app).get('/limited').set(root)).status).toBe(200);
    });

    it.each<[string, Record<string, string>, string]>([
      ['no Authorization header', {}, 'No Authorization header'],
      ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }, 'another scheme than Bearer'],
      ['a token without the user claim', bearer(hs256({ sub: 'alice' })), 'The JWT has no "user" claim'],
      ['a user claim that is not a string or number', bearer(hs256({ user: { id: 1 } })), 'no "user" claim'],
      ['a garbage token', bearer('garbage'), 'jwt malformed'],
      ['a token of two parts', bearer('a.b'), 'jwt malformed'],
      ['a token signed with another key', bearer(hs256({ user: 'alice' }, 'another-secret')), 'invalid signature'],
      ['an expired token', bearer(hs256({ user: 'alice', exp: pastExp() })), 'jwt expired'],
      [
        'an unsigned token (alg none)',
        bearer(unsigned({ user: 'alice', group: 'admin' })),
        'jwt signature is required',
      ],
      [
        'an HS512 token (not allowed)',
        bearer(hs256({ user: 'alice' }, SECRET, { algorithm: 'HS512' })),
        'invalid algorithm',
      ],
      ['an RS256 token (not allowed)', bearer(rs256({ user: 'alice' })), 'invalid algorithm'],
      ['"Bearer" without a token', { Authorization: 'Bearer' }, 'Malformed Authorization header'],
      [
        '"Bearer" with two tokens',
        { Authorization: `Bearer ${hs256({ user: 'a' })} x` },
        'Malformed Authorization header',
      ],
      ['a bare token without scheme', { Authorization: hs256({ user: 'alice' }) }, 'Malformed Authorization header'],
    ])('rejects %s with a 401 naming the cause', async (_case, headers, cause) => {
      const response = await http(app).get('/whoami').set(headers);
      expect(response.status).toBe(401);
      expect(response.body.message).toContain(cause);
    });
  });

  it('verifies HS512 and RS256 tokens when configured, and refuses algorithm confusion', async () => {
    const hs512 = await boot(platform, { auth: createJwtAuth(SECRET, ['HS512']) });
    const rsa = await boot(platform, { auth: new JwtAuth({ publicKey: RSA.publicKey, algorithms: ['RS256'] }) });
    const rsaByFactory = await boot(platform, { auth: createJwtAuth(RSA.publicKey, 'RS256') });
    try {
      const token512 = hs256({ user: 'alice' }, SECRET, { algorithm: 'HS512' });
      expect((await http(hs512).get('/whoami').set(bearer(token512))).body.user).toBe('alice');
      expect(
        (
          await http(hs512)
            .get('/whoami')
            .set(bearer(hs256({ user: 'alice' })))
        ).status,
      ).toBe(401);

      for (const app of [rsa, rsaByFactory]) {
        expect(
          (
            await http(app)
              .get('/whoami')
              .set(bearer(rs256({ user: 'rita' })))
          ).body.user,
        ).toBe('rita');
        // an HS256 token against an RS256-only verifier, signed with the public key as HMAC secret
        for (const token of [hs256({ user: 'eve' }), hmacWithKey({ user: 'eve' }, RSA.publicKey)]) {
          const response = await http(app).get('/whoami').set(bearer(token));
          expect(response.status).toBe(401);
          expect(response.body.message).toContain('invalid algorithm');
        }
        const none = await http(app)
          .get('/whoami')
          .set(bearer(unsigned({ user: 'eve' })));
        expect(none.status).toBe(401);
      }
    } finally {
      await Promise.all([hs512.close(), rsa.close(), rsaByFactory.close()]);
    }
  });

  it('checks verifyOptions (issuer, audience, subject, maxAge, clockTolerance) with its own key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const strict = await boot(platform, {
      auth: new JwtAuth({
        secret: SECRET,
        verifyOptions: { issuer: 'https://id.example', audience: ['api', /^svc-/], subject: 'login', maxAge: 600 },
      }),
    });
    const tolerant = await boot(platform, {
      auth: new JwtAuth({ secret: SECRET, verifyOptions: { clockTolerance: 120 } }),
    });
    try {
      const good = { user: 'alice', iss: 'https://id.example', aud: 'svc-billing', sub: 'login' };
      expect(
        (
          await http(strict)
            .get('/whoami')
            .set(bearer(hs256(good)))
        ).body.user,
      ).toBe('alice');
      for (const [claims, cause] of [
        [{ ...good, iss: 'https://evil.example' }, 'jwt issuer invalid'],
        [{ ...good, aud: 'other' }, 'jwt audience invalid'],
        [{ ...good, sub: 'refresh' }, 'jwt subject invalid'],
        [{ ...good, iat: now - 3600 }, 'maxAge exceeded'],
        [{ user: 'alice' }, 'jwt audience invalid'],
      ] as const) {
        const response = await http(strict)
          .get('/whoami')
          .set(bearer(hs256(claims)));
        expect(response.status).toBe(401);
        expect(response.body.message).toContain(cause);
      }
      const justExpired = bearer(hs256({ user: 'bob', exp: now - 60 }));
      expect((await http(tolerant).get('/whoami').set(justExpired)).body.user).toBe('bob');
      expect((await http(strict).get('/whoami').set(justExpired)).status).toBe(401);
    } finally {
      await Promise.all([strict.close(), tolerant.close()]);
    }
  });

  it('reads the claims named by userKey and groupKey', async () => {
    const app = await boot(platform, { auth: new JwtAuth({ secret: SECRET, userKey: 'sub', groupKey: 'role' }) });
    try {
      const response = await http(app)
        .get('/whoami')
        .set(bearer(hs256({ sub: 'u-1', role: 'staff', user: 'x' })));
      expect(response.body).toEqual({ user: 'u-1', group: 'staff' });
    } finally {
      await app.close();
    }
  });

  describe("with the app's JwtService", () => {
    it('as the class `auth: JwtAuth`, verifies with JwtModule (global or not)', async () => {
      const global = await boot(platform, { auth: JwtAuth }, [JwtModule.register({ global: true, secret: SECRET })]);
      const local = await boot(platform, { auth: JwtAuth }, [JwtModule.register({ secret: SECRET })]);
      try {
        for (const app of [global, local]) {
          const ok = await http(app)
            .get('/whoami')
            .set(bearer(hs256({ user: 'alice', group: 'staff' })));
          expect(ok.body).toEqual({ user: 'alice', group: 'staff' });
          const wrongKey = await http(app)
            .get('/whoami')
            .set(bearer(hs256({ user: 'alice' }, 'other')));
          expect(wrongKey.status).toBe(401);
          expect(wrongKey.body.message).toContain('invalid signature');
          const none = await http(app)
            .get('/whoami')
            .set(bearer(unsigned({ user: 'alice' })));
          expect(none.status).toBe(401);
          const expired = await http(app)
            .get('/whoami')
            .set(bearer(hs256({ user: 'alice', exp: pastExp() })));
          expect(expired.body.message).toContain('jwt expired');
        }
      } finally {
        await Promise.all([global.close(), local.close()]);
      }
    });

    it("respects JwtModule's verifyOptions.algorithms unless JwtAuth names its own", async () => {
      const jwtModule = JwtModule.register({ secret: SECRET, verifyOptions: { algorithms: ['HS512'] } });
      const moduleAlgorithms = await boot(platform, { auth: JwtAuth }, [jwtModule]);
      try {
        const token512 = hs256({ user: 'alice' }, SECRET, { algorithm: 'HS512' });
        expect((await http(moduleAlgorithms).get('/whoami').set(bearer(token512))).body.user).toBe('alice');
        const token256 = await http(moduleAlgorithms)
          .get('/whoami')
          .set(bearer(hs256({ user: 'alice' })));
        expect(token256.body.message).toContain('invalid algorithm');
      } finally {
        await moduleAlgorithms.close();
      }
    });

    it('given as jwtService in forRootAsync, with custom claim keys', async () => {
      const app = await createApp(platform, {
        imports: [
          JwtModule.register({ global: true, secret: SECRET }),
          RateLimitModule.forRootAsync({
            inject: [JwtService],
            useFactory: (jwtService: JwtService) => ({
              auth: new JwtAuth({ jwtService, userKey: 'sub' }),
              onBlocked: revealIdentity,
            }),
          }),
        ],
        controllers: [ProbeController],
      });
      try {
        const response = await http(app)
          .get('/whoami')
          .set(bearer(hs256({ sub: 'u-7', group: 'admin' })));
        expect(response.body).toEqual({ user: 'u-7', group: 'admin' });
      } finally {
        await app.close();
      }
    });

    it('without JwtModule, fails at bootstrap naming the fix (not at the first request)', async () => {
      const boot = createApp(platform, {
        imports: [RateLimitModule.forRoot({ auth: JwtAuth })],
        controllers: [ProbeController],
      });
      await expect(boot).rejects.toThrow(InvalidRateLimitConfigError);
      await expect(boot).rejects.toThrow('JwtAuth found no JwtService: register JwtModule');
      const inList = createApp(platform, {
        imports: [RateLimitModule.forRoot({ auth: [JwtAuth, ClientIpAuth] })],
        controllers: [ProbeController],
      });
      await expect(inList).rejects.toThrow('JwtAuth found no JwtService');
      const keyless = createApp(platform, {
        imports: [JwtModule.register({ global: true }), RateLimitModule.forRoot({ auth: JwtAuth })],
      });
      await expect(keyless).rejects.toThrow("JwtAuth: the app's JwtModule has no key to verify tokens with");
    });

    it("given a jwtService, its verifyOptions take precedence over JwtModule's", async () => {
      const app = await createApp(platform, {
        imports: [
          JwtModule.register({ global: true, secret: SECRET, verifyOptions: { issuer: 'module' } }),
          RateLimitModule.forRootAsync({
            inject: [JwtService],
            useFactory: (jwtService: JwtService) => ({
              auth: new JwtAuth({ jwtService, verifyOptions: { issuer: 'auth', audience: 'api' } }),
              onBlocked: revealIdentity,
            }),
          }),
        ],
        controllers: [ProbeController],
      });
      try {
        const ok = await http(app)
          .get('/whoami')
          .set(bearer(hs256({ user: 'u', iss: 'auth', aud: 'api' })));
        expect(ok.body.user).toBe('u');
        const moduleIssuer = await http(app)
          .get('/whoami')
          .set(bearer(hs256({ user: 'u', iss: 'module', aud: 'api' })));
        expect(moduleIssuer.status).toBe(401);
        expect(moduleIssuer.body.message).toContain('jwt issuer invalid');
        const noAudience = await http(app)
          .get('/whoami')
          .set(bearer(hs256({ user: 'u', iss: 'auth' })));
        expect(noAudience.body.message).toContain('jwt audience invalid');
      } finally {
        await app.close();
      }
    });
  });
});

describe('JwtAuth configuration', () => {
  it.each<[JwtAuthOptions, string]>([
    [{ secret: SECRET, publicKey: RSA.publicKey }, 'give only one of "secret", "publicKey" and "jwtService"'],
    [{ secret: SECRET, algorithms: 'none' }, 'Invalid JwtAuth option "algorithms": "none"'],
    [{ secret: SECRET, algorithms: [] }, 'Invalid JwtAuth option "algorithms": []'],
    [{ secret: SECRET, algorithms: ['RS256'] }, 'use a non-empty list of HS256, HS384, HS512'],
    [{ publicKey: RSA.publicKey, algorithms: ['HS256'] }, 'use a non-empty list of RS256'],
    [{ userKey: 'sub' }, 'new JwtAuth() needs "secret", "publicKey" or "jwtService"'],
    [{ secret: '' }, 'Invalid JwtAuth option "secret"'],
    [{ publicKey: 'not a PEM' }, 'Invalid JwtAuth option "publicKey"'],
    [{ publicKey: createSecretKey(Buffer.from(SECRET)) }, 'Invalid JwtAuth option "publicKey": a public KeyObject'],
    [{ secret: SECRET, verifyOptions: { issuer: 7 } as any }, '"issuer" must be a string or a list of strings'],
    [{ secret: SECRET, verifyOptions: { audience: [] } as any }, '"audience" must be a string, a RegExp'],
    [{ secret: SECRET, verifyOptions: { clockTolerance: -1 } }, '"clockTolerance" must be a number of seconds >= 0'],
    [{ secret: SECRET, verifyOptions: { maxAge: 0 } }, '"maxAge" must be seconds > 0'],
    [{ secret: SECRET, verifyOptions: { issuers: 'x' } as any }, 'unknown key "issuers"'],
    [{ secret: SECRET, verifyOptions: { algorithms: ['HS256'] } as any }, 'give "algorithms" as an option of JwtAuth'],
    [{ jwtService: {} as any }, 'Invalid JwtAuth option "jwtService"'],
  ])('rejects %j at construction', (options, message) => {
    expect(() => new JwtAuth(options)).toThrow(InvalidRateLimitConfigError);
    expect(() => new JwtAuth(options)).toThrow(message);
  });

  it('rejects createJwtAuth with alg none', () => {
    expect(() => createJwtAuth(SECRET, 'none')).toThrow(InvalidRateLimitConfigError);
  });
});
