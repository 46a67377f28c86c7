import { Controller, Get } from '@nestjs/common';
import { MemoryStorage, RateLimit, RateLimitModule } from '../../../../lib/index.js';
import { createApp, FakeClock, http, PLATFORMS } from '../../../support/app.js';

@Controller()
class BoundsController {
  @Get('limited') @RateLimit({ minute: 5 }) limited() {
    return 'ok';
  }
}

describe.each(PLATFORMS)('MemoryStorage bounds through the module on %s', (platform) => {
  it('forgets the least recently used caller beyond maxIdentities, and stops its timer when the app closes', async () => {
    const storage = new MemoryStorage({ clock: new FakeClock().now, maxIdentities: 2 });
    const app = await createApp(platform, {
      imports: [
        RateLimitModule.forRoot({
          storage,
          auth: (context) => ({ user: context.switchToHttp().getRequest().headers['x-user'] }),
        }),
      ],
      controllers: [BoundsController],
    });
    const remaining = async (user: string) =>
      (await http(app).get('/limited').set('x-user', user)).headers['ratelimit'];
    try {
      expect(await remaining('a')).toBe('"minute";r=4;t=60');
      expect(await remaining('b')).toBe('"minute";r=4;t=60');
      expect(await remaining('a')).toBe('"minute";r=3;t=60'); // b is now the least recently used
      expect(await remaining('c')).toBe('"minute";r=4;t=60'); // b forgotten
      expect(storage.size).toBe(2);
      expect(await remaining('a')).toBe('"minute";r=2;t=60');
      expect(await remaining('b')).toBe('"minute";r=4;t=60'); // counted from scratch
      expect((storage as unknown as { timer?: NodeJS.Timeout }).timer).toBeDefined();
    } finally {
      await app.close();
    }
    expect((storage as unknown as { timer?: NodeJS.Timeout }).timer).toBeUndefined(); // onModuleDestroy
  });
});
