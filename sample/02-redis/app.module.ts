import { Controller, Get, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RateLimit, RateLimitModule, RedisStorage } from '../../lib/index.js';

/** The Redis connection, shared by the storage; closed when the app shuts down. */
const REDIS = Symbol('REDIS');

@Controller()
export class HelloController {
  /** 5 requests per minute per caller IP, counted in Redis: the same budget on every instance. */
  @Get('hello') @RateLimit({ minute: 5 }) hello() {
    return { hello: 'world', instance: process.env.PORT ?? '3000' };
  }
}

@Module({
  providers: [
    {
      provide: REDIS,
      // Fail fast while Redis is down (requests then use the in-process fallback instead of waiting).
      useFactory: () =>
        new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
        }),
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onApplicationShutdown() {
    this.redis.disconnect();
  }
}

@Module({
  imports: [
    RedisModule,
    RateLimitModule.forRootAsync({
      imports: [RedisModule],
      inject: [REDIS],
      useFactory: (redis: Redis) => ({ storage: new RedisStorage(redis), storageTimeout: 200 }),
    }),
  ],
  controllers: [HelloController],
})
export class AppModule {}
