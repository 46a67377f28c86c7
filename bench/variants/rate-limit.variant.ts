import { Controller, Get, type ModuleMetadata } from '@nestjs/common';
import { RateLimit, RateLimitModule, type RateLimitStorage } from '../../lib/index.js';
import { BLOCK_SECONDS, BODY, UNREACHABLE, userOfContext } from './bench.routes.js';

@Controller()
@RateLimit({ second: UNREACHABLE, minute: UNREACHABLE, hour: UNREACHABLE })
class RateLimitedController {
  @Get('limited') limited(): string {
    return BODY;
  }

  @Get('blocked')
  @RateLimit({ second: 1, minute: UNREACHABLE, hour: UNREACHABLE, blockTime: BLOCK_SECONDS })
  blocked(): string {
    return BODY;
  }
}

/** nestjs-ratelimit with `storage`, identifying clients by the user header. */
export function rateLimitVariant(storage: RateLimitStorage): ModuleMetadata {
  return {
    imports: [RateLimitModule.forRoot({ storage, auth: (context) => ({ user: userOfContext(context) }) })],
    controllers: [RateLimitedController],
  };
}
