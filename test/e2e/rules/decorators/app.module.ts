import { Controller, Get, Module, type DynamicModule, type Type } from '@nestjs/common';
import { MemoryStorage, RateLimit, RateLimitModule, SkipRateLimit } from '../../../../lib/index.js';
import type { FakeClock } from '../../../support/app.js';
import type { CountingAuth } from '../../../support/header-auth.js';

@Controller('reports')
@RateLimit({ minute: 2 })
class ReportsController {
  @Get('a') a() {
    return 'a';
  }
  @Get('b') b() {
    return 'b';
  }
  @Get('fast') @RateLimit({ second: 1 }) fast() {
    return 'fast';
  }
}

@Controller('zoned')
@RateLimit({ minute: 2, zone: 'zoned' })
class ZonedController {
  @Get('x') x() {
    return 'x';
  }
  @Get('y') y() {
    return 'y';
  }
}

@Controller('skip')
@RateLimit({ minute: 1 }, { group: 'admin', minute: 1 })
class SkipController {
  @Get('everyone') @SkipRateLimit() everyone() {
    return 'everyone';
  }
  @Get('admins') @SkipRateLimit('admin') admins() {
    return 'admins';
  }
  @Get('limited') limited() {
    return 'limited';
  }
}

@Controller('open')
@SkipRateLimit()
class OpenController {
  @Get() open() {
    return 'open';
  }
  @Get('admins') @SkipRateLimit('admin') admins() {
    return 'admins';
  }
}

@Controller('stack')
class StackController {
  @Get('loose') @RateLimit({ minute: 10 }) loose() {
    return 'loose';
  }
  @Get('tight') @RateLimit({ second: 1 }) tight() {
    return 'tight';
  }
}

/** Two controllers with the same class and method names, on different paths. */
function usersController(path: string): Type {
  @Controller(path)
  @RateLimit({ minute: 1 })
  class UsersController {
    @Get() list() {
      return path;
    }
  }
  return UsersController;
}

/**
 * Decorated controllers under a global `'^/'` pattern of 5 hits per hour (admins too), so every
 * route limit stacks with it.
 */
@Module({})
export class DecoratorsAppModule {
  static register(clock: FakeClock, auth: CountingAuth): DynamicModule {
    return {
      module: DecoratorsAppModule,
      imports: [
        RateLimitModule.forRoot({
          auth,
          storage: new MemoryStorage({ clock: clock.now }),
          config: { '^/': [{ hour: 5 }, { group: 'admin', hour: 5 }] },
        }),
      ],
      controllers: [
        ReportsController,
        ZonedController,
        SkipController,
        OpenController,
        StackController,
        usersController('v1/users'),
        usersController('v2/users'),
      ],
    };
  }
}
