import { Controller, Get, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { RateLimit, RateLimitModule, RedisStorage } from '../../lib/index.js';
import { ioredisConnection, nodeRedisConnection, type RedisConnection } from './redis.clients.js';

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
      // REDIS_CLIENT=node-redis for the node-redis form; ioredis by default.
      useFactory: (): RedisConnection | Promise<RedisConnection> => {
        const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
        return process.env.REDIS_CLIENT === 'node-redis' ? nodeRedisConnection(url) : ioredisConnection(url);
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisConnection) {}

  onApplicationShutdown() {
    return this.redis.close();
  }
}

@Module({
  imports: [
    RedisModule,
    RateLimitModule.forRootAsync({
      imports: [RedisModule],
      inject: [REDIS],
      useFactory: (redis: RedisConnection) => ({ storage: new RedisStorage(redis.client), storageTimeout: 200 }),
    }),
  ],
  controllers: [HelloController],
})
export class AppModule {}
