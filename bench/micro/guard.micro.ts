/**
 * Per-request cost of the limiters' guards without HTTP (tinybench): `canActivate` on Nest's
 * `ExecutionContextHost` for the benchmark's `/limited` route (3 stacked limits, in-memory storage),
 * a new one per call with a new request and response object, as Nest creates per request.
 * RateLimitGuard: one hot client and 100,000 clients in turn; ThrottlerGuard: the clients in turn
 * only, because its default storage filters every hit of the window on each request (a hot
 * client gets slower with every hit, so a time-boxed figure would mean nothing). Response headers
 * go to a no-op. The same limits run on a GraphQL resolver too (a `'graphql'` context whose GraphQL
 * context holds `req` and `res`, as Apollo on Express gives it; new ones per call, as each operation
 * has its own). The same RateLimitGuard runs again in apps with `metrics: true` (its own
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
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { Registry } from 'prom-client';
import { Bench } from 'tinybench';
import {
  MemoryStorage,
  RateLimit,
  RateLimitGuard,
  RateLimitModule,
  requestOf,
  type Identity,
  type RateLimitModuleOptions,
} from '../../lib/index.js';
import { UNREACHABLE, userOf, USER_HEADER } from '../variants/bench.routes.js';
import { throttlerOptions } from '../variants/throttler.variant.js';
import { limitedCall } from './limited-call.js';
import { nsPerCall, pairedExtraNs } from './tinybench.js';

/** ns per `canActivate`, by guard and key pattern. */
export interface GuardMicroResults {
  rateLimitHotNs: number;
  rateLimitKeysNs: number;
  /** The same limits on a GraphQL resolver: one resolver call of one operation. */
  graphqlHotNs: number;
  graphqlKeysNs: number;
  /** Median extra ns per call of the GraphQL resolver over the HTTP route, 1 hot client (`pairedExtraNs`). */
  graphqlExtraHotNs: number;
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

/** A resolver with the route's limits (the guard reads only the metadata and the context). */
@RateLimit({ second: UNREACHABLE, minute: UNREACHABLE, hour: UNREACHABLE })
class LimitedResolver {
  limited(): string {
    return 'ok';
  }
}

/** The client of any kind of call, as the built-in auth providers find its request. */
const auth = (context: ExecutionContext): Identity => ({ user: userOf(requestOf(context)) });

@Module({
  imports: [
    RateLimitModule.forRoot({ guard: false, storage: new MemoryStorage(), auth }),
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
      imports: [RateLimitModule.forRoot({ guard: false, storage: new MemoryStorage(), auth, ...options })],
      controllers: [LimitedController],
      providers: [RateLimitGuard],
    };
  }
}

const noop = () => undefined;

/**
 * One client: each call gives its next request as Nest hands it to guards, a new
 * `ExecutionContextHost` with the objects a server creates per request (alike for HTTP and GraphQL).
 */
type Client = () => ExecutionContext;

/** What the guards read of an HTTP request (`[req, res, next]`, as the Express and Fastify adapters pass them). */
function httpClient(user: string): Client {
  const headers = { [USER_HEADER]: user };
  return () => limitedCall(LimitedController, headers);
}

const RESOLVER_ARGS = {};
const RESOLVER_INFO = {};

/** A resolver call of a new operation: `[root, args, GraphQL context, info]`, the context holding `req` and `res`. */
function graphqlClient(user: string): Client {
  const headers = { [USER_HEADER]: user };
  return () => {
    const req = { method: 'POST', url: '/graphql', originalUrl: '/graphql', headers };
    const context = new ExecutionContextHost(
      [undefined, RESOLVER_ARGS, { req, res: { setHeader: noop } }, RESOLVER_INFO],
      LimitedResolver,
      LimitedResolver.prototype.limited,
    );
    context.setType('graphql');
    return context;
  };
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
  const hot = httpClient('hot-client');
  const clients = Array.from({ length: KEYS }, (_, i) => httpClient(`user-${i}`));
  const graphqlHot = graphqlClient('hot-client');
  const graphqlClients = Array.from({ length: KEYS }, (_, i) => graphqlClient(`user-${i}`));
  const bench = new Bench({ time: quick ? 100 : 1500, warmupTime: quick ? 20 : 300 });
  const rateLimit = guard(RateLimitGuard);
  const throttler = guard(ThrottlerGuard);
  const metered = metricsApp.get(RateLimitGuard);
  const observed = onDecisionApp.get(RateLimitGuard);
  for (let i = 0; i < KEYS; i++) {
    await rateLimit.canActivate(clients[i]());
    await rateLimit.canActivate(graphqlClients[i]());
    await throttler.canActivate(clients[i]());
    await metered.canActivate(clients[i]());
    await observed.canActivate(clients[i]());
  }
  let next = 0;
  const inTurn = (instance: CanActivate) => async () => {
    for (let i = 0; i < BATCH; i++) {
      await instance.canActivate(clients[next]());
      next = next === KEYS - 1 ? 0 : next + 1;
    }
  };
  const hotly = (instance: CanActivate) => async () => {
    for (let i = 0; i < BATCH; i++) await instance.canActivate(hot());
  };
  const graphqlHotly = async () => {
    for (let i = 0; i < BATCH; i++) await rateLimit.canActivate(graphqlHot());
  };
  const graphqlInTurn = async () => {
    for (let i = 0; i < BATCH; i++) {
      await rateLimit.canActivate(graphqlClients[next]());
      next = next === KEYS - 1 ? 0 : next + 1;
    }
  };
  bench
    .add('rateLimit-hot', hotly(rateLimit))
    .add('metrics-hot', hotly(metered))
    .add('onDecision-hot', hotly(observed))
    .add('rateLimit-keys', inTurn(rateLimit))
    .add('graphql-hot', graphqlHotly)
    .add('graphql-keys', graphqlInTurn)
    .add('metrics-keys', inTurn(metered))
    .add('throttler-keys', inTurn(throttler));
  await bench.run();
  const rounds = quick ? 40 : 400;
  const metricsExtraHotNs = await pairedExtraNs(hotly(rateLimit), hotly(metered), rounds, BATCH);
  const metricsExtraKeysNs = await pairedExtraNs(inTurn(rateLimit), inTurn(metered), rounds, BATCH);
  const onDecisionExtraHotNs = await pairedExtraNs(hotly(rateLimit), hotly(observed), rounds, BATCH);
  const graphqlExtraHotNs = await pairedExtraNs(hotly(rateLimit), graphqlHotly, rounds, BATCH);
  await Promise.all([app.close(), metricsApp.close(), onDecisionApp.close()]);
  const ns = (name: string) => nsPerCall(bench, name, BATCH);
  const results: GuardMicroResults = {
    rateLimitHotNs: ns('rateLimit-hot'),
    rateLimitKeysNs: ns('rateLimit-keys'),
    graphqlHotNs: ns('graphql-hot'),
    graphqlKeysNs: ns('graphql-keys'),
    graphqlExtraHotNs,
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
