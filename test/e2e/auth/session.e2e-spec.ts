import { jest } from '@jest/globals';
import { Body, Controller, HttpCode, Post, Req, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ClientIpAuth, SessionAuth, type RateLimitModuleOptions } from '../../../lib/index.js';
import { PLATFORMS, type Platform } from '../../support/app.js';
import { bootProbe } from './probe.controller.js';
import { SESSIONS, type SessionSetup } from './sessions.js';

/** Logs in by writing `fields` into the session, the way each session library expects. */
@Controller('session')
class SessionController {
  @Post('login') @HttpCode(204) login(@Req() req: any, @Body() fields: Record<string, unknown>) {
    for (const [key, value] of Object.entries(fields)) {
      if (typeof req.session.set === 'function') req.session.set(key, value);
      else req.session[key] = value;
    }
  }
}

const boot = (platform: Platform, options: RateLimitModuleOptions, configure?: SessionSetup['configure']) =>
  bootProbe(platform, options, { controllers: [SessionController], configure });

describe.each(PLATFORMS)('SessionAuth on %s', (platform) => {
  describe.each(SESSIONS[platform])('with $name', ({ configure }) => {
    let app: INestApplication;
    let list: INestApplication;
    beforeAll(async () => {
      app = await boot(platform, { auth: SessionAuth }, configure);
      list = await boot(platform, { auth: [SessionAuth, ClientIpAuth] }, configure);
    });
    afterAll(() => Promise.all([app.close(), list.close()]));

    const loggedIn = async (target: INestApplication, fields: object) => {
      const agent = request.agent(target.getHttpServer());
      expect((await agent.post('/session/login').send(fields)).status).toBe(204);
      return agent;
    };

    it('identifies the user and group stored in the session, group default when absent', async () => {
      const staff = await loggedIn(app, { user: 'alice', group: 'staff' });
      expect((await staff.get('/whoami')).body).toEqual({ user: 'alice', group: 'staff' });
      const plain = await loggedIn(app, { user: 7 });
      expect((await plain.get('/whoami')).body).toEqual({ user: '7', group: 'default' });
    });

    it('limits each session user separately and never limits the admin group', async () => {
      const bob = await loggedIn(app, { user: 'bob' });
      expect((await bob.get('/limited')).status).toBe(200);
      expect((await bob.get('/limited')).status).toBe(429);
      // a second login of bob (another session) shares bob's budget
      expect((await (await loggedIn(app, { user: 'bob' })).get('/limited')).status).toBe(429);
      const admin = await loggedIn(app, { user: 'root', group: 'admin' });
      for (let i = 0; i < 5; i++) expect((await admin.get('/limited')).status).toBe(200);
    });

    it('answers 401 to a caller whose session has no user', async () => {
      const anonymous = request.agent(app.getHttpServer());
      const response = await anonymous.get('/whoami');
      expect(response.status).toBe(401);
      expect(response.body.message).toContain('The session has no "user"');
      const emptyUser = await loggedIn(app, { user: '', group: 'admin' });
      expect((await emptyUser.get('/whoami')).status).toBe(401);
    });

    it('in a list, lets callers without a session user fall back to their IP', async () => {
      expect((await request(list.getHttpServer()).get('/whoami')).body).toEqual({
        user: '127.0.0.1',
        group: 'default',
        namespace: '1',
      });
      const carol = await loggedIn(list, { user: 'carol' });
      expect((await carol.get('/whoami')).body.user).toBe('carol');
    });

    it('reads the fields named by userKey and groupKey', async () => {
      const custom = await boot(platform, { auth: new SessionAuth({ userKey: 'uid', groupKey: 'role' }) }, configure);
      try {
        const agent = await loggedIn(custom, { uid: 'u-9', role: 'admin', user: 'ignored' });
        expect((await agent.get('/whoami')).body).toEqual({ user: 'u-9', group: 'admin' });
      } finally {
        await custom.close();
      }
    });
  });

  it('without session middleware, fails with a 500 (configuration error), never through onAuthError', async () => {
    const onAuthError = jest.fn(() => ({ user: 'fallback' }));
    const app = await boot(platform, { auth: [SessionAuth, ClientIpAuth], onAuthError });
    try {
      const response = await request(app.getHttpServer()).get('/whoami');
      expect(response.status).toBe(500);
      expect(onAuthError).not.toHaveBeenCalled();
    } finally {
      await app.close();
    }
  });
});
