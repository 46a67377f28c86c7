import { Module, type DynamicModule } from '@nestjs/common';
import { InvalidRateLimitConfigError } from './errors/invalid-rate-limit-config.error.js';
import { ASYNC_OPTIONS_TYPE, OPTIONS_TYPE, RateLimitConfigurableModule } from './rate-limit.module-definition.js';
import { RATE_LIMIT_EXPORTS, RATE_LIMIT_PROVIDERS } from './rate-limit.providers.js';

/**
 * Rate limiting for the whole application. `forRoot(options)` (or `forRootAsync`) registers the
 * global `RateLimitGuard` and makes `RateLimitService` injectable everywhere.
 */
@Module({ providers: RATE_LIMIT_PROVIDERS, exports: RATE_LIMIT_EXPORTS })
export class RateLimitModule extends RateLimitConfigurableModule {
  /** Configures the module with static options (all optional). */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /** Configures the module with options from a factory, class or existing provider. */
  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    if (!options?.useFactory && !options?.useClass && !options?.useExisting) {
      throw new InvalidRateLimitConfigError(
        'RateLimitModule.forRootAsync needs "useFactory", "useClass" or "useExisting" to produce the options, ' +
          'e.g. forRootAsync({ inject: [ConfigService], useFactory: (config: ConfigService) => ({ ... }) }); ' +
          'for static options use forRoot({ ... }).',
      );
    }
    return super.forRootAsync(options);
  }
}
