import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { MemoryStorage, RateLimit, RateLimitModule, type RateLimitModuleOptions } from '../../../../lib/index.js';
import { FakeClock } from '../../../support/app.js';
import { headerAuth } from '../../../support/header-auth.js';

@Controller()
class OnBlockedController {
  @Get('limited') @RateLimit({ second: 1 }) limited() {
    return 'ok';
  }
  @Get('block') @RateLimit({ second: 1, blockTime: 10 }) block() {
    return 'ok';
  }
}

/** Two routes of one hit per second, one of them blocking for 10 s; `onBlocked` as given. */
@Module({})
export class OnBlockedAppModule {
  static register(onBlocked: RateLimitModuleOptions['onBlocked']): DynamicModule {
    return {
      module: OnBlockedAppModule,
      imports: [
        RateLimitModule.forRoot({
          onBlocked,
          auth: headerAuth(),
          storage: new MemoryStorage({ clock: new FakeClock().now }),
        }),
      ],
      controllers: [OnBlockedController],
    };
  }
}
