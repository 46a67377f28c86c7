import { jest } from '@jest/globals';
import { ForbiddenException, HttpException, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { TokenExpiredError } from '@nestjs/jwt';
import {
  ClientIpAuth,
  createJwtAuth,
  EmptyInformation,
  MemoryStorage,
  RateLimitService,
  type AuthFunction,
  type RateLimitModuleOptions,
} from '../../../lib/index.js';
import { http, PLATFORMS, type Platform } from '../../support/app.js';
import { bootProbe } from './probe.controller.js';
import { bearer, pastExp, hs256, SECRET } from '../../support/tokens.js';

const boot = (platform: Platform, options: RateLimitModuleOptions) => bootProbe(platform, options);

describe.each(PLATFORMS)('auth lists and onAuthError on %s', (platform) => {
  describe('auth: [JwtAuth, ClientIpAuth]', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await boot(platform, { auth: [createJwtAuth(SECRET), ClientIpAuth] });
    });
    afterAll(() => app.close());

    it('identifies token holders by the token and anonymous callers by IP', async () => {
      expect(
        (
          await http(app)
            .get('/whoami')
            .set(bearer(hs256({ user: 'alice', group: 'admin' })))
        ).body,
      ).toEqual({ user: 'alice', group: 'admin', namespace: '0' });
      expect((await http(app).get('/whoami')).body).toEqual({ user: '127.0.0.1', group: 'default', namespace: '1' });
      expect((await http(app).get('/whoami').set('Authorization', 'Basic dXNlcjpwYXNz')).body.user).toBe('127.0.0.1');
      expect(
        (
          await http(app)
            .get('/whoami')
            .set(bearer(hs256({ sub: 'no-user-claim' })))
        ).body.user,
      ).toBe('127.0.0.1');
    });

    it('rejects a bad token with 401 instead of falling back to the IP', async () => {
      const expired = await http(app)
        .get('/whoami')
        .set(bearer(hs256({ user: 'alice', exp: pastExp() })));
      expect(expired.status).toBe(401);
      expect(expired.body.message).toContain('jwt expired');
      expect((await http(app).get('/whoami').set(bearer('garbage'))).status).toBe(401);
    });

    it('keeps the budgets of token users and anonymous callers apart', async () => {
      expect((await http(app).get('/limited')).status).toBe(200);
      expect((await http(app).get('/limited')).status).toBe(429);
      expect(
        (
          await http(app)
            .get('/limited')
            .set(bearer(hs256({ user: 'dave' })))
        ).status,
      ).toBe(200);
    });
  });

  it("a JWT whose user claim is an IP address never shares the anonymous caller's counters; reset clears both", async () => {
    const app = await boot(platform, { auth: [createJwtAuth(SECRET), ClientIpAuth] });
    try {
      const spoof = bearer(hs256({ user: '127.0.0.1' }));
      expect((await http(app).get('/limited').set(spoof)).status).toBe(200);
      expect((await http(app).get('/limited').set(spoof)).status).toBe(429);
      expect((await http(app).get('/limited')).status).toBe(200); // the anonymous 127.0.0.1 still has its budget
      expect((await http(app).get('/limited')).status).toBe(429);
      await app.get(RateLimitService).reset('127.0.0.1');
      expect((await http(app).get('/limited').set(spoof)).status).toBe(200);
      expect((await http(app).get('/limited')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('a single provider keeps plain keys (no namespace): <prefix>:{<user>}', async () => {
    const storage = new MemoryStorage();
    const app = await boot(platform, { auth: ClientIpAuth, storage });
    try {
      expect((await http(app).get('/whoami')).body).toEqual({ user: '127.0.0.1', group: 'default' });
      expect((await http(app).get('/limited')).status).toBe(200);
      await storage.reset('ratelimit:{127.0.0.1}');
      expect((await http(app).get('/limited')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('tries providers in order and stops at the first identity', async () => {
    const empty: AuthFunction = jest.fn(() => {
      throw new EmptyInformation('nothing here');
    });
    const found: AuthFunction = jest.fn(() => ({ user: 'second', group: 'staff' }));
    const never: AuthFunction = jest.fn(() => ({ user: 'third' }));
    const app = await boot(platform, { auth: [empty, found, never] });
    try {
      expect((await http(app).get('/whoami')).body).toEqual({ user: 'second', group: 'staff', namespace: '1' });
      expect(empty).toHaveBeenCalledTimes(1);
      expect(never).not.toHaveBeenCalled();
    } finally {
      await app.close();
    }
  });

  it('answers 401 naming the last cause when no provider finds an identity', async () => {
    const first = () => {
      throw new EmptyInformation('no api key');
    };
    const app = await boot(platform, { auth: [first, createJwtAuth(SECRET)] });
    try {
      const response = await http(app).get('/whoami');
      expect(response.status).toBe(401);
      expect(response.body.message).toContain('No Authorization header');
    } finally {
      await app.close();
    }
  });

  it('onAuthError may return a fallback identity for missing and bad credentials', async () => {
    const errors: unknown[] = [];
    const app = await boot(platform, {
      auth: createJwtAuth(SECRET),
      onAuthError: (error) => {
        errors.push(error);
        return { user: 'anonymous' };
      },
    });
    try {
      expect((await http(app).get('/whoami')).body).toEqual({ user: 'anonymous', group: 'default' });
      const expired = await http(app)
        .get('/whoami')
        .set(bearer(hs256({ user: 'alice', exp: pastExp() })));
      expect(expired.body).toEqual({ user: 'anonymous', group: 'default' });
      expect(errors[0]).toBeInstanceOf(EmptyInformation);
      expect(errors[1]).toBeInstanceOf(TokenExpiredError);
      // the fallback identity has its own budget
      expect((await http(app).get('/limited')).status).toBe(200);
      expect((await http(app).get('/limited').set(bearer('garbage'))).status).toBe(429);
      expect(
        (
          await http(app)
            .get('/limited')
            .set(bearer(hs256({ user: 'erin' })))
        ).status,
      ).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('onAuthError may throw its own exception, and a useless fallback is a 401', async () => {
    const throwing = await boot(platform, {
      auth: createJwtAuth(SECRET),
      onAuthError: () => {
        throw new ForbiddenException('Sign in first');
      },
    });
    const useless = await boot(platform, { auth: createJwtAuth(SECRET), onAuthError: () => ({ user: '' }) });
    try {
      const forbidden = await http(throwing).get('/whoami');
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.message).toBe('Sign in first');
      expect((await http(useless).get('/whoami')).status).toBe(401);
    } finally {
      await Promise.all([throwing.close(), useless.close()]);
    }
  });

  it('never answers 5xx for a provider that throws an ordinary error; HttpExceptions pass through', async () => {
    const broken = await boot(platform, {
      auth: (_context: ExecutionContext) => {
        throw new TypeError('cannot read the credential');
      },
    });
    const teapot = await boot(platform, {
      auth: () => {
        throw new HttpException('No coffee', 418);
      },
    });
    try {
      const response = await http(broken).get('/whoami');
      expect(response.status).toBe(401);
      expect(response.body.message).toContain('cannot read the credential');
      expect((await http(teapot).get('/whoami')).status).toBe(418);
    } finally {
      await Promise.all([broken.close(), teapot.close()]);
    }
  });
});
