import { Controller, Get } from '@nestjs/common';
import { MemoryStorage, RateLimit, RateLimitModule } from '../../../lib/index.js';
import { createApp, FakeClock, http, PLATFORMS } from '../../support/app.js';

@Controller()
class PingController {
  @Get('ping') @RateLimit({ second: 1 }) ping() {
    return { ok: true };
  }
}

describe.each(PLATFORMS)('smoke on %s', (platform) => {
  it('admits one hit per second, then 429 with Retry-After, then admits again', async () => {
    const clock = new FakeClock();
    const app = await createApp(platform, {
      imports: [RateLimitModule.forRoot({ storage: new MemoryStorage({ clock: clock.now }) })],
      controllers: [PingController],
    });
    try {
      expect((await http(app).get('/ping')).status).toBe(200);
      const rejected = await http(app).get('/ping');
      expect(rejected.status).toBe(429);
      expect(rejected.headers['retry-after']).toBe('1');
      expect(rejected.body).toEqual({ statusCode: 429, message: 'Too Many Requests', retryAfter: 1 });
      clock.advance(1000);
      expect((await http(app).get('/ping')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
