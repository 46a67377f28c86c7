import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { MemoryStorage, RateLimitModule, type RateLimitModuleOptions } from '../../../../lib/index.js';
import { FakeClock } from '../../../support/app.js';

@Controller()
class AuthErrorsController {
  @Get('limited') limited() {
    return 'ok';
  }
  @Get('free') free() {
    return 'free';
  }
}

/** '^/limited' admits one hit per second, for the default group and for the 'anon' group. */
@Module({})
export class AuthErrorsAppModule {
  static register(options: Pick<RateLimitModuleOptions, 'auth' | 'onAuthError'>): DynamicModule {
    return {
      module: AuthErrorsAppModule,
      imports: [
        RateLimitModule.forRoot({
          ...options,
          storage: new MemoryStorage({ clock: new FakeClock().now }),
          config: { '^/limited': [{ second: 1 }, { group: 'anon', second: 1 }] },
        }),
      ],
      controllers: [AuthErrorsController],
    };
  }
}
