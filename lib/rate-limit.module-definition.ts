import { ConfigurableModuleBuilder, type ModuleMetadata, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard } from './rate-limit.guard.js';
import type { RateLimitModuleOptions } from './rate-limit.options.js';

/** Options of `forRoot`/`forRootAsync` that shape the module itself rather than the limiter. */
export interface RateLimitModuleExtras {
  /** Modules whose providers auth and storage classes inject (forRoot; forRootAsync has `imports`). */
  imports?: ModuleMetadata['imports'];
  /**
   * The guard registered globally (APP_GUARD): a `RateLimitGuard` subclass, or `false` to register
   * none and apply `RateLimitGuard` yourself with `@UseGuards`. Default `RateLimitGuard`.
   */
  guard?: Type<RateLimitGuard> | false;
}

export const {
  ConfigurableModuleClass: RateLimitConfigurableModule,
  MODULE_OPTIONS_TOKEN: RATE_LIMIT_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RateLimitModuleOptions>({ moduleName: 'RateLimit' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createRateLimitOptions')
  .setExtras<RateLimitModuleExtras>({ imports: [], guard: RateLimitGuard }, (definition, extras) => ({
    ...definition,
    global: true,
    imports: [...new Set([...(definition.imports ?? []), ...(extras.imports ?? [])])],
    providers: [
      ...(definition.providers ?? []),
      ...(extras.guard ? [{ provide: APP_GUARD, useClass: extras.guard }] : []),
    ],
  }))
  .build();
