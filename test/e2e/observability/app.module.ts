import { Controller, Get, Header, Inject, Module, type DynamicModule } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  MemoryStorage,
  RateLimit,
  RateLimitModule,
  RateLimitService,
  SkipRateLimit,
  type RateLimitModuleOptions,
} from '../../../lib/index.js';
import type { FakeClock } from '../../support/app.js';
import { headerAuth } from '../../support/header-auth.js';

/** Injection token of the scenario's prom-client registry. */
export const REGISTRY = Symbol('REGISTRY');

/**
 * Limited routes of every kind beside `/metrics` (the registry, as Prometheus scrapes it) and an
 * unlimited `/free`: a config pattern (`/api/items`), a pattern stacked with a route rule
 * (`/api/stacked`), a zone shared by two routes, a block, a shadow rule beside an enforced one, and
 * a RateLimitService scope (`/export`).
 */
@Controller()
class ObservabilityController {
  constructor(
    @Inject(REGISTRY) private readonly registry: Registry,
    private readonly limiter: RateLimitService,
  ) {}

  @Get('metrics') @SkipRateLimit() @Header('content-type', 'text/plain') metrics() {
    return this.registry.metrics();
  }

  @Get('free') free() {
    return 'free';
  }

  @Get('api/items') items() {
    return 'items';
  }

  @Get('api/stacked') @RateLimit({ minute: 1 }) stacked() {
    return 'stacked';
  }

  @Get('login-a') @RateLimit({ minute: 2, zone: 'login' }) loginA() {
    return 'a';
  }

  @Get('login-b') @RateLimit({ minute: 2, zone: 'login' }) loginB() {
    return 'b';
  }

  @Get('block') @RateLimit({ second: 1, blockTime: 60 }) block() {
    return 'block';
  }

  /** A new limit of 2 per minute rolled out in shadow mode beside the enforced 5 per minute. */
  @Get('shadow') @RateLimit({ minute: 2, dryRun: true }) shadow() {
    return 'shadow';
  }

  @Get('export') @SkipRateLimit() async export() {
    const { allowed } = await this.limiter.consume({ user: 'job' }, 'export', { minute: 1 });
    await this.limiter.check({ user: 'job' }, 'export', { minute: 1 }); // asks only: not a decision
    return { allowed };
  }
}

/** The module config of the scenario. */
export const CONFIG: RateLimitModuleOptions['config'] = {
  '^/api': [{ minute: 3 }],
  '^/shadow': [{ minute: 5 }],
};

@Module({})
export class ObservabilityAppModule {
  /** The scenario on a MemoryStorage driven by `clock`, identity from `x-user`, with `options`. */
  static register(clock: FakeClock, registry: Registry, options: RateLimitModuleOptions = {}): DynamicModule {
    return {
      module: ObservabilityAppModule,
      imports: [
        RateLimitModule.forRoot({
          auth: headerAuth(),
          storage: new MemoryStorage({ clock: clock.now }),
          config: CONFIG,
          ...options,
        }),
      ],
      controllers: [ObservabilityController],
      providers: [{ provide: REGISTRY, useValue: registry }],
    };
  }
}
