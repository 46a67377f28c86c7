import { Controller, Get, Module, Param, type DynamicModule, type Type } from '@nestjs/common';
import { MemoryStorage, RateLimitModule } from '../../../../lib/index.js';
import type { FakeClock, Platform } from '../../../support/app.js';
import type { CountingAuth } from '../../../support/header-auth.js';

/** Counts the requests that reached each handler. */
export const reached: Record<string, number> = { second_limit: 0, exact: 0 };

@Controller()
class SpellingController {
  @Get('second_limit') second() {
    reached.second_limit++;
    return 'ok';
  }
  @Get('exact') exact() {
    reached.exact++;
    return 'ok';
  }
  @Get('x') x() {
    return 'x';
  }
  @Get('towns/:id') town(@Param('id') id: string) {
    return id;
  }
  @Get('files/:name') file(@Param('name') name: string) {
    return name;
  }
  @Get('api/admin') admin() {
    return 'admin';
  }
  @Get('api/admin/users') adminUsers() {
    return 'users';
  }
  @Get('keys') keys() {
    return 'keys';
  }
}

/** A catch-all route under /assets, in each adapter's wildcard syntax. */
function assetsController(platform: Platform): Type {
  @Controller('assets')
  class AssetsController {
    @Get(platform === 'express' ? '*path' : '*') asset() {
      return 'asset';
    }
  }
  return AssetsController;
}

/**
 * Patterns to escape from: prefixes (one of two segments, '^/api/admin'), an exact '^/exact$', one
 * segment after '^/files/', a wildcard route.
 */
@Module({})
export class PathSpellingAppModule {
  static register(platform: Platform, clock: FakeClock, auth: CountingAuth): DynamicModule {
    return {
      module: PathSpellingAppModule,
      imports: [
        RateLimitModule.forRoot({
          auth,
          storage: new MemoryStorage({ clock: clock.now }),
          config: {
            '^/second_limit': [{ second: 1 }],
            '^/exact$': [{ second: 1 }],
            '^/towns': [{ second: 1 }],
            '^/files/[^/]+$': [{ second: 1 }],
            '^/assets': [{ second: 1 }],
            '^/api/admin': [{ second: 1 }],
            '^/keys': [{ second: 1 }],
          },
        }),
      ],
      controllers: [SpellingController, assetsController(platform)],
    };
  }
}
