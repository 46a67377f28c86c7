import { Controller, Get, Module, Param, Post, Put, type DynamicModule } from '@nestjs/common';
import { MemoryStorage, RateLimitModule, type RateLimitStorage, type Rule } from '../../../../lib/index.js';
import type { FakeClock } from '../../../support/app.js';
import type { CountingAuth } from '../../../support/header-auth.js';

/** asgi-ratelimit's test configuration, plus the cases its README describes. */
export const ASGI_CONFIG: Record<string, Rule[]> = {
  '^/second_limit': [{ second: 1 }, { group: 'admin' }],
  '^/minute_limit': [{ minute: 1 }, { group: 'admin' }],
  '^/block': [{ second: 1, blockTime: 5 }],
  '^/(block|open)': [{ minute: 10 }],
  '^/minute2': [{ minute: 2 }],
  '^/multiple': [{ second: 1, minute: 3 }],
  '^/zone1': [{ second: 1, zone: 'shared' }],
  '^/zone2': [{ second: 1, zone: 'shared' }],
  '^/shared-a': [{ minute: 3, zone: 'ab' }],
  '^/shared-(a|b)': [{ minute: 3, zone: 'ab' }],
  '^/nozone1': [{ second: 1 }],
  '^/nozone2': [{ second: 1 }],
  '^/towns': [{ minute: 2 }],
  '^/method': [
    { method: 'get', second: 1 },
    { method: 'post', minute: 2 },
  ],
  '^/anymethod': [{ minute: 2 }],
  '^/admin_only': [{ group: 'admin', second: 1 }],
  '^/zero': [{ minute: 0 }],
  '^/free': [], // an empty list adds nothing: no auth call either
};

@Controller()
class AsgiController {
  @Get('second_limit') second() {
    return 'ok';
  }
  @Get('minute_limit') minute() {
    return 'ok';
  }
  @Get('block') block() {
    return 'ok';
  }
  @Get('open') open() {
    return 'ok';
  }
  @Get('minute2') minute2() {
    return 'ok';
  }
  @Get('multiple') multiple() {
    return 'ok';
  }
  @Get('zone1') zone1() {
    return 'ok';
  }
  @Get('zone2') zone2() {
    return 'ok';
  }
  @Get('shared-a') sharedA() {
    return 'ok';
  }
  @Get('shared-b') sharedB() {
    return 'ok';
  }
  @Get('nozone1') nozone1() {
    return 'ok';
  }
  @Get('nozone2') nozone2() {
    return 'ok';
  }
  @Get('towns/:id') town(@Param('id') id: string) {
    return id;
  }
  @Get('method') getMethod() {
    return 'get';
  }
  @Post('method') postMethod() {
    return 'post';
  }
  @Put('method') putMethod() {
    return 'put';
  }
  @Get('anymethod') getAny() {
    return 'get';
  }
  @Post('anymethod') postAny() {
    return 'post';
  }
  @Get('admin_only') adminOnly() {
    return 'ok';
  }
  @Get('zero') zero() {
    return 'ok';
  }
  @Get('free') free() {
    return 'ok';
  }
}

/** The asgi-ratelimit scenario app: config patterns only, identity from `auth`, time from `clock`. */
@Module({})
export class AsgiAppModule {
  static register(
    clock: FakeClock,
    auth: CountingAuth,
    storage: RateLimitStorage = new MemoryStorage({ clock: clock.now }),
  ): DynamicModule {
    return {
      module: AsgiAppModule,
      imports: [RateLimitModule.forRoot({ auth, storage, config: ASGI_CONFIG })],
      controllers: [AsgiController],
    };
  }
}
