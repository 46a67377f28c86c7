import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { MemoryStorage, RateLimit, RateLimitModule, type RateLimitModuleOptions } from '../../../../lib/index.js';
import type { FakeClock } from '../../../support/app.js';
import type { CountingAuth } from '../../../support/header-auth.js';

@Controller()
class HeadersController {
  @Get('one') @RateLimit({ minute: 10 }) one() {
    return 'one';
  }
  /** Also limited by the config pattern '^/several' [{ minute: 5 }]. */
  @Get('several') @RateLimit({ second: 2, minute: 10 }) several() {
    return 'several';
  }
  @Get('custom') @RateLimit({ limit: 3, window: 10 }) custom() {
    return 'custom';
  }
  @Get('legacy') @RateLimit({ second: 5, minute: 3 }) legacy() {
    return 'legacy';
  }
  @Get('once') @RateLimit({ minute: 1 }) once() {
    return 'once';
  }
  /** Also limited by the config pattern '^/guarded' [{ minute: 100 }], which never blocks. */
  @Get('guarded') @RateLimit({ second: 1, blockTime: 5 }) guarded() {
    return 'guarded';
  }
}

/** Routes with one, several and custom-window limits; `options` picks the header mode or dry run. */
@Module({})
export class HeadersAppModule {
  static register(
    clock: FakeClock,
    auth: CountingAuth,
    options: Pick<RateLimitModuleOptions, 'headers' | 'dryRun'> = {},
  ): DynamicModule {
    return {
      module: HeadersAppModule,
      imports: [
        RateLimitModule.forRoot({
          ...options,
          auth,
          storage: new MemoryStorage({ clock: clock.now }),
          config: { '^/several': [{ minute: 5 }], '^/guarded': [{ minute: 100 }] },
        }),
      ],
      controllers: [HeadersController],
    };
  }
}
