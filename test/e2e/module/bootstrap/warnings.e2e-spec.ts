import { jest } from '@jest/globals';
import { Controller, Get, Logger } from '@nestjs/common';
import { RateLimitModule } from '../../../../lib/index.js';
import { createApp, http, PLATFORMS } from '../../../support/app.js';

@Controller()
class LoginController {
  @Get('login') login() {
    return 'ok';
  }
}

/** Configurations that are valid but limit nothing where the operator meant them to: one warning each, at bootstrap. */
describe.each(PLATFORMS)('bootstrap warnings on %s', (platform) => {
  it('warns once per mistake, naming the pattern, through the RateLimitModule logger; nothing per request', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    const app = await createApp(platform, {
      imports: [
        RateLimitModule.forRoot({
          config: {
            '^/login': [{ minute: undefined }, { group: 'admin', minute: Number('3') }],
            login: [{ minute: 3 }],
            '^login': [{ minute: 3 }],
            '^/login/': [{ minute: 3 }],
            '^/fine': [{ minute: 3 }],
          },
        }),
      ],
      controllers: [LoginController],
    });
    try {
      const ours = () =>
        warn.mock.contexts
          .map((logger, i): [unknown, string] => [
            (logger as { context?: string }).context,
            String(warn.mock.calls[i][0]),
          ])
          .filter(([, message]) => message.includes('RateLimitModule config'));
      const atBoot = ours();
      expect(atBoot.map(([, message]) => message)).toEqual([
        'In rule 0 of pattern "^/login" in RateLimitModule config, "minute" is undefined, so it sets no minute limit (a missing environment variable?). Give a number, or remove the key.',
        'The pattern "login" in RateLimitModule config limits nothing where you may expect: it can never match: paths start with "/" (write "^/login").',
        'The pattern "^login" in RateLimitModule config limits nothing where you may expect: it can never match: paths start with "/" (write "^/login").',
        'The pattern "^/login/" in RateLimitModule config limits nothing where you may expect: paths are matched without their trailing "/", so it never matches the path it names, only paths below it (write "^/login", or "^/login(/|$)").',
      ]);
      expect(atBoot.every(([context]) => context === 'RateLimitModule')).toBe(true);
      for (let i = 0; i < 5; i++) expect((await http(app).get('/login')).status).toBe(200); // indeed unlimited
      expect(ours()).toEqual(atBoot);
    } finally {
      warn.mockRestore();
      await app.close();
    }
  });
});
