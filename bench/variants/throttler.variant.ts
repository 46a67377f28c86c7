import { Controller, Get, type ModuleMetadata } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  Throttle,
  ThrottlerGuard,
  ThrottlerModule,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { BLOCK_SECONDS, BODY, UNREACHABLE, userOf } from './bench.routes.js';

@Controller()
class ThrottledController {
  @Get('limited') limited(): string {
    return BODY;
  }

  @Get('blocked')
  @Throttle({ second: { limit: 1, ttl: 1000, blockDuration: BLOCK_SECONDS * 1000 } })
  blocked(): string {
    return BODY;
  }
}

/**
 * The options of @nestjs/throttler for the benchmark: the same three limits (named throttlers, ttl
 * in ms), clients identified by the user header, `storage` (undefined: its default storage).
 */
export function throttlerOptions(storage?: ThrottlerStorage): ThrottlerModuleOptions {
  return {
    throttlers: [
      { name: 'second', ttl: 1000, limit: UNREACHABLE },
      { name: 'minute', ttl: 60_000, limit: UNREACHABLE },
      { name: 'hour', ttl: 3_600_000, limit: UNREACHABLE },
    ],
    getTracker: (request) => userOf(request as Parameters<typeof userOf>[0]),
    storage,
  };
}

/**
 * @nestjs/throttler with the same three limits (named throttlers, ttl in ms), its global guard,
 * and `storage` (undefined: its default in-memory storage); clients identified by the user header.
 */
export function throttlerVariant(storage?: ThrottlerStorage): ModuleMetadata {
  return {
    imports: [ThrottlerModule.forRoot(throttlerOptions(storage))],
    controllers: [ThrottledController],
    providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
  };
}
