import { Controller, Get, Headers, Post, type ExecutionContext, type ModuleMetadata } from '@nestjs/common';
import {
  EmptyInformation,
  RateLimit,
  RateLimitModule,
  RateLimitService,
  type Identity,
  type RateLimitModuleOptions,
  type RateLimitStorage,
} from '../../../lib/index.js';

/** Identity from the `x-user` header. */
function userHeader(context: ExecutionContext): Identity {
  const user = context.switchToHttp().getRequest().headers['x-user'];
  if (typeof user !== 'string' || user === '') throw new EmptyInformation('no x-user header');
  return { user };
}

@Controller()
class RedisScenarioController {
  constructor(private readonly rateLimit: RateLimitService) {}

  /** Four limits from two rules: the route's second/day and the config's minute/hour. */
  @Get('stacked') @RateLimit({ second: 50, day: 5000 }) stacked() {
    return 'ok';
  }

  @Get('hundred') @RateLimit({ minute: 100 }) hundred() {
    return 'ok';
  }

  @Get('five') @RateLimit({ minute: 5 }) five() {
    return 'ok';
  }

  /** One hit per second, then blocked for a minute. */
  @Get('block') @RateLimit({ second: 1, blockTime: 60 }) block() {
    return 'ok';
  }

  /** Two hits per minute, then blocked for an hour. */
  @Get('strict') @RateLimit({ minute: 2, blockTime: 3600 }) strict() {
    return 'ok';
  }

  /** Forgets every counter and block of the `x-user` user (RateLimitService.reset). */
  @Post('reset') async reset(@Headers('x-user') user: string) {
    await this.rateLimit.reset(user);
    return 'reset';
  }
}

/** The app the Redis scenarios run: identity from `x-user`, counters in `storage`. */
export function redisAppModule(
  storage: RateLimitStorage,
  options: Omit<RateLimitModuleOptions, 'storage'> = {},
): ModuleMetadata {
  return {
    imports: [
      RateLimitModule.forRoot({
        auth: userHeader,
        storage,
        config: { '^/stacked': [{ minute: 100, hour: 1000 }] },
        ...options,
      }),
    ],
    controllers: [RedisScenarioController],
  };
}
