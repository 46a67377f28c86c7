/**
 * Per-request cost of the limiters' guards without HTTP (tinybench): `canActivate` on a stub
 * ExecutionContext for the benchmark's `/limited` route (3 stacked limits, in-memory storage).
 * RateLimitGuard: one hot client and 100,000 clients in turn; ThrottlerGuard: the clients in turn
 * only, because its default storage filters every hit of the window on each request (a hot
 * client gets slower with every hit, so a time-boxed figure would mean nothing). Response headers
 * go to a no-op. The same RateLimitGuard runs again in apps with `metrics: true` (its own
 * prom-client registry) and with a no-op `onDecision`, to measure what observability costs per
 * request. Prints one JSON object (`GuardMicroResults`) on its last line; `--quick` shortens every task.
 */
import 'reflect-metadata';
import {
  Controller,
  Get,
  Module,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { Registry } from 'prom-client';
import { Bench } from 'tinybench';
import {
  MemoryStorage,
  RateLimit,
  RateLimitGuard,
  RateLimitModule,
  type RateLimitModuleOptions,
} from '../../lib/index.js';
import { ROUTES, UNREACHABLE, userOfContext, USER_HEADER } from '../variants/bench.routes.js';
import { throttlerOptions } from '../variants/throttler.variant.js';
import { nsPerCall, pairedExtraNs } from './tinybench.js';

/** ns per `canActivate`, by guard and key pattern. */
export interface GuardMicroResults {
  rateLimitHotNs: number;
  rateLimitKeysNs: number;
  /** The same with `metrics: true` (a registry of its own, never scraped during the run). */
  metricsHotNs: number;
  metricsKeysNs: number;
  /** The same with `onDecision: () => {}`. */
  onDecisionHotNs: number;
  /** Median extra ns per request of `metrics: true` over no option, timed in alternating rounds (`pairedExtraNs`). */
  metricsExtraHotNs: number;
  metricsExtraKeysNs: number;
  /** The same for a no-op `onDecision`. */
  onDecisionExtraHotNs: number;
  throttlerKeysNs: number;
  keys: number;
}

/** Distinct clients (10,000 with `--quick`). */
const KEYS = process.argv.includes('--quick') ? 10_000 : 100_000;
const BATCH = 1000;

@Controller()
@RateLimit({ second: UNREACHABLE, minute: UNREACHABLE, hour: UNREACHABLE })
class LimitedController {
  @Get('limited') limited(): string {
    return 'ok';
  }
}

@Module({
  imports: [
    RateLimitModule.forRoot({
      guard: false,
      storage: new MemoryStorage(),
      auth: (context) => ({ user: userOfContext(context) }),
    }),
    ThrottlerModule.forRoot(throttlerOptions()),
  ],
  controllers: [LimitedController],
  providers: [RateLimitGuard, ThrottlerGuard],
})
class GuardsModule {}

/** An app of its own with RateLimitGuard and `options` (observability variants). */
@Module({})
class ObservedGuardModule {
  static with(options: RateLimitModuleOptions): DynamicModule {
    return {
      module: ObservedGuardModule,
      imports: [
        RateLimitModule.forRoot({
          guard: false,
          storage: new MemoryStorage(),
          auth: (context) => ({ user: userOfContext(context) }),
          ...options,
        }),
      ],
      controllers: [LimitedController],
      providers: [RateLimitGuard],
    };
  }
}

const noop = () => undefined;

/** What the guards read of an HTTP request, for one client. */
function contextFor(user: string): ExecutionContext {
  const request = { method: 'GET', url: ROUTES.limited, originalUrl: ROUTES.limited, headers: { [USER_HEADER]: user } };
  const response = { setHeader: noop, header: noop };
  const http = { getRequest: () => request, getResponse: () => response, getNext: noop };
  return {
    getType: () => 'http',
    getClass: () => LimitedController,
    getHandler: () => LimitedController.prototype.limited,
    switchToHttp: () => http,
  } as unknown as ExecutionContext;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const app = await NestFactory.createApplicationContext(GuardsModule, { logger: false });
  const metricsApp = await NestFactory.createApplicationContext(
    ObservedGuardModule.with({ metrics: { registry: new Registry() } }),
    { logger: false },
  );
  const onDecisionApp = await NestFactory.createApplicationContext(ObservedGuardModule.with({ onDecision: () => {} }), {
    logger: false,
  });
  const guard = (type: Type<CanActivate>) => app.get(type);
  const hot = contextFor('hot-client');
  const contexts = Array.from({ length: KEYS }, (_, i) => contextFor(`user-${i}`));
  const bench = new Bench({ time: quick ? 100 : 1500, warmupTime: quick ? 20 : 300 });
  const rateLimit = guard(RateLimitGuard);
  const throttler = guard(ThrottlerGuard);
  const metered = metricsApp.get(RateLimitGuard);
  const observed = onDecisionApp.get(RateLimitGuard);
  for (const context of contexts) {
    await rateLimit.canActivate(context);
    await throttler.canActivate(context);
    await metered.canActivate(context);
    await observed.canActivate(context);
  }
  let next = 0;
  const inTurn = (instance: CanActivate) => async () => {
    for (let i = 0; i < BATCH; i++) {
      await instance.canActivate(contexts[next]);
      next = next === KEYS - 1 ? 0 : next + 1;
    }
  };
  const hotly = (instance: CanActivate) => async () => {
    for (let i = 0; i < BATCH; i++) await instance.canActivate(hot);
  };
  bench
    .add('rateLimit-hot', hotly(rateLimit))
    .add('metrics-hot', hotly(metered))
    .add('onDecision-hot', hotly(observed))
    .add('rateLimit-keys', inTurn(rateLimit))
    .add('metrics-keys', inTurn(metered))
    .add('throttler-keys', inTurn(throttler));
  await bench.run();
  const rounds = quick ? 40 : 400;
  const metricsExtraHotNs = await pairedExtraNs(hotly(rateLimit), hotly(metered), rounds, BATCH);
  const metricsExtraKeysNs = await pairedExtraNs(inTurn(rateLimit), inTurn(metered), rounds, BATCH);
  const onDecisionExtraHotNs = await pairedExtraNs(hotly(rateLimit), hotly(observed), rounds, BATCH);
  await Promise.all([app.close(), metricsApp.close(), onDecisionApp.close()]);
  const ns = (name: string) => nsPerCall(bench, name, BATCH);
  const results: GuardMicroResults = {
    rateLimitHotNs: ns('rateLimit-hot'),
    rateLimitKeysNs: ns('rateLimit-keys'),
    metricsHotNs: ns('metrics-hot'),
    metricsKeysNs: ns('metrics-keys'),
    onDecisionHotNs: ns('onDecision-hot'),
    metricsExtraHotNs,
    metricsExtraKeysNs,
    onDecisionExtraHotNs,
    throttlerKeysNs: ns('throttler-keys'),
    keys: KEYS,
  };
  console.log(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
