import { Controller, Get, Module, Post } from '@nestjs/common';
import { RateLimit, RateLimitModule, SkipRateLimit, type Identity } from '../../lib/index.js';
import type { ExecutionContext } from '@nestjs/common';

/** Callers are identified by IP; the header `X-Group: admin` puts one in the admin group (demo only). */
function ipWithDemoGroup(context: ExecutionContext): Identity {
  const request = context.switchToHttp().getRequest();
  return {
    user: request.ip ?? request.socket?.remoteAddress ?? 'unknown',
    group: request.headers['x-group'] ?? 'default',
  };
}

@Controller()
export class LimitsController {
  @Get('second_limit') second() {
    return { ok: true };
  }

  @Get('minute_limit') minute() {
    return { ok: true };
  }
}

@Controller('reports')
@RateLimit({ minute: 10 }, { group: 'admin' })
export class ReportsController {
  @Get() @SkipRateLimit('admin') list() {
    return ['q1', 'q2'];
  }

  @Post() @RateLimit({ second: 1, hour: 100, blockTime: 600 }) create() {
    return { created: true };
  }
}

@Module({
  imports: [
    RateLimitModule.forRoot({
      auth: ipWithDemoGroup,
      config: {
        '^/second_limit': [{ second: 1 }, { group: 'admin' }],
        '^/minute_limit': [{ minute: 1 }, { group: 'admin' }],
      },
    }),
  ],
  controllers: [LimitsController, ReportsController],
})
export class AppModule {}
