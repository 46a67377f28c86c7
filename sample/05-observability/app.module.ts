import { Controller, Get, Header, Logger, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import {
  RateLimit,
  RateLimitHealthIndicator,
  RateLimitModule,
  RedisStorage,
  SkipRateLimit,
  type RateLimitDecision,
} from '../../lib/index.js';

/** Prometheus scrapes this: the app's registry, the rate limiter's metrics among its own. */
@Controller('metrics')
@SkipRateLimit()
export class MetricsController {
  @Get() @Header('content-type', register.contentType) metrics() {
    return register.metrics();
  }
}

/** Load balancers and Kubernetes probe this: 503 while the rate limiter's storage does not answer. */
@Controller('health')
@SkipRateLimit()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly rateLimit: RateLimitHealthIndicator,
  ) {}

  @Get() @HealthCheck() check() {
    return this.health.check([() => this.rateLimit.isHealthy('ratelimit')]);
  }
}

@Controller('api')
export class ApiController {
  /** The config's 10 per minute. */
  @Get('items') items() {
    return { items: [1, 2, 3] };
  }

  /** The config's 10 per minute, plus a new 3 per minute being tried out in shadow mode: it never rejects. */
  @Get('search') @RateLimit({ minute: 3, dryRun: true }) search() {
    return { results: [] };
  }
}

/** RedisStorage on `url`, failing fast while Redis is down (the module then counts in process, and says so once). */
function redisStorage(url: string): RedisStorage {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // the outage is logged once by the module, not per reconnection attempt
  return new RedisStorage(client);
}

const decisions = new Logger('RateLimitDecision');

/** Logs what would surprise users (rejections, blocks, shadow rules that would have rejected), not every call. */
export function logDecision(event: RateLimitDecision): void {
  if (event.decision === 'allowed') return;
  const scopes = event.scopes.filter((scope) => scope.decision !== 'allowed').map((scope) => scope.scope);
  decisions.log(`${event.decision} ${event.identity.user} in ${scopes.join(', ')} (retry after ${event.retryAfter} s)`);
}

@Module({
  imports: [
    RateLimitModule.forRoot({
      // REDIS_URL=redis://127.0.0.1:6379 to share counts between instances (and to see /health go down)
      storage: process.env.REDIS_URL ? redisStorage(process.env.REDIS_URL) : undefined, // default: MemoryStorage
      config: { '^/api': [{ minute: 10 }] },
      metrics: true, // prom-client's global registry, which /metrics serves
      onDecision: logDecision,
    }),
    TerminusModule.forRoot(),
  ],
  controllers: [MetricsController, HealthController, ApiController],
})
export class AppModule {}
