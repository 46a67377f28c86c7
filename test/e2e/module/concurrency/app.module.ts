import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { MemoryStorage, RateLimit, RateLimitModule } from '../../../../lib/index.js';
import type { FakeClock } from '../../../support/app.js';
import type { CountingAuth } from '../../../support/header-auth.js';

@Controller()
class BurstController {
  @Get('burst') burst() {
    return 'ok';
  }
  /** Limited by its own rule and by the '^/stacked' pattern: 25 pass only if both agree. */
  @Get('stacked') @RateLimit({ minute: 40 }) stacked() {
    return 'ok';
  }
}

/** Limits of 25 per minute, on a config pattern and stacked with a route rule. */
@Module({})
export class ConcurrencyAppModule {
  static register(clock: FakeClock, auth: CountingAuth): DynamicModule {
    return {
      module: ConcurrencyAppModule,
      imports: [
        RateLimitModule.forRoot({
          auth,
          storage: new MemoryStorage({ clock: clock.now }),
          config: { '^/burst': [{ minute: 25 }], '^/stacked': [{ hour: 25 }] },
        }),
      ],
      controllers: [BurstController],
    };
  }
}
