import { ForbiddenException, type INestApplication } from '@nestjs/common';
import { EmptyInformation, type Identity, type RateLimitModuleOptions } from '../../../../lib/index.js';
import { createApp, http, PLATFORMS, type Platform } from '../../../support/app.js';
import { as, headerAuth } from '../../../support/header-auth.js';
import { AuthErrorsAppModule } from './app.module.js';

const fail = (error: unknown) => () => {
  throw error;
};
const ANONYMOUS: Identity = { user: 'anonymous', group: 'anon' };

describe.each(PLATFORMS)('auth errors on %s', (platform: Platform) => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());
  const boot = async (options: Pick<RateLimitModuleOptions, 'auth' | 'onAuthError'>) => {
    app = await createApp(platform, { imports: [AuthErrorsAppModule.register(options)] });
    return app;
  };

  describe('default: 401 naming the cause, never a 500', () => {
    it('EmptyInformation from the auth function', async () => {
      const response = await http(await boot({ auth: headerAuth() })).get('/limited');
      expect(response.status).toBe(401);
      expect(response.body.message).toBe('Rate limiting could not identify the caller (no identity): no x-user header');
    });

    it('a plain Error from the auth function', async () => {
      const response = await http(await boot({ auth: fail(new Error('token expired')) })).get('/limited');
      expect(response.status).toBe(401);
      expect(response.body.message).toBe(
        'Rate limiting could not identify the caller (invalid credentials): token expired',
      );
    });

    it('a rejected promise, a thrown non-Error and an identity without user', async () => {
      for (const auth of [
        async () => Promise.reject(new TypeError('malformed header')),
        fail('a string'),
        () => ({}) as Identity,
        () => ({ user: '' }),
        () => undefined as unknown as Identity,
      ]) {
        const response = await http(await boot({ auth })).get('/limited');
        expect(response.status).toBe(401);
        expect(response.body.message).toMatch(/^Rate limiting could not identify the caller/);
        await app?.close();
        app = undefined;
      }
    });

    it('an HttpException from the auth function is answered as it is', async () => {
      const response = await http(await boot({ auth: fail(new ForbiddenException('banned')) })).get('/limited');
      expect(response.status).toBe(403);
      expect(response.body.message).toBe('banned');
    });

    it('auth errors are not raised where no rule list applies', async () => {
      expect((await http(await boot({ auth: fail(new Error('boom')) })).get('/free')).status).toBe(200);
    });
  });

  describe('a list of auth providers', () => {
    it('EmptyInformation moves on to the next provider', async () => {
      const booted = await boot({ auth: [fail(new EmptyInformation('no token')), headerAuth()] });
      expect((await http(booted).get('/limited').set(as('ann'))).status).toBe(200);
      expect((await http(booted).get('/limited').set(as('ann'))).status).toBe(429);
    });

    it('any other error stops the list', async () => {
      const booted = await boot({ auth: [fail(new Error('bad signature')), headerAuth()] });
      const response = await http(booted).get('/limited').set(as('ann'));
      expect(response.status).toBe(401);
      expect(response.body.message).toMatch(/bad signature/);
    });

    it('when every provider finds nothing, the last EmptyInformation is reported', async () => {
      const booted = await boot({ auth: [fail(new EmptyInformation('no token')), headerAuth()] });
      const response = await http(booted).get('/limited');
      expect(response.status).toBe(401);
      expect(response.body.message).toMatch(/\(no identity\): no x-user header$/);
    });
  });

  describe('onAuthError', () => {
    it('returns a fallback identity: callers without one share its budget', async () => {
      const errors: unknown[] = [];
      const booted = await boot({
        auth: headerAuth(),
        onAuthError: (error) => {
          errors.push(error);
          return ANONYMOUS;
        },
      });
      expect((await http(booted).get('/limited')).status).toBe(200);
      const rejected = await http(booted).get('/limited').set('x-other', 'someone else');
      expect(rejected.status).toBe(429);
      expect(errors).toHaveLength(2);
      expect(errors[0]).toBeInstanceOf(EmptyInformation);
      expect((await http(booted).get('/limited').set(as('known'))).status).toBe(200); // not the fallback's budget
    });

    it('may throw its own exception', async () => {
      const booted = await boot({ auth: headerAuth(), onAuthError: fail(new ForbiddenException('log in first')) });
      const response = await http(booted).get('/limited');
      expect(response.status).toBe(403);
      expect(response.body.message).toBe('log in first');
    });

    it('rethrowing the auth error gives the default 401, not a 500', async () => {
      const booted = await boot({
        auth: fail(new Error('jwt malformed')),
        onAuthError: (error) => {
          throw error;
        },
      });
      const response = await http(booted).get('/limited');
      expect(response.status).toBe(401);
      expect(response.body.message).toMatch(/jwt malformed/);
    });

    it('returning something that is not an identity gives a 401', async () => {
      const booted = await boot({ auth: headerAuth(), onAuthError: () => ({ user: '' }) });
      expect((await http(booted).get('/limited')).status).toBe(401);
    });
  });
});
