import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { MemoryStorage, RateLimit, RateLimitModule, type Algorithm, type Rule } from '../../../../lib/index.js';
import type { FakeClock } from '../../../support/app.js';
import type { CountingAuth } from '../../../support/header-auth.js';

/** asgi-ratelimit's base cases as config patterns. */
const CONFIG: Record<string, Rule[]> = {
  '^/second_limit': [{ second: 1 }, { group: 'admin' }],
  '^/minute_limit': [{ minute: 1 }, { group: 'admin' }],
  '^/block': [{ second: 1, blockTime: 5 }],
  '^/(block|open)': [{ minute: 10 }],
  '^/multiple': [{ second: 1, minute: 3 }],
};

/** How the algorithm is chosen: the module's `algorithm` option, or `algorithm` on every rule. */
export type AlgorithmChoice = 'module option' | 'per-rule override';

function controllerFor(choice: AlgorithmChoice, algorithm: Algorithm) {
  const minute2: Rule = choice === 'module option' ? { minute: 2 } : { minute: 2, algorithm };

  @Controller()
  class AlgorithmsController {
    @Get(['second_limit', 'minute_limit', 'block', 'open', 'multiple']) ok() {
      return 'ok';
    }
    @Get('minute2') @RateLimit(minute2) minute2() {
      return 'ok';
    }
  }
  return AlgorithmsController;
}

/** The scenario app with `algorithm` chosen as `choice` (the module default stays fixed-window otherwise). */
@Module({})
export class AlgorithmsAppModule {
  static register(choice: AlgorithmChoice, algorithm: Algorithm, clock: FakeClock, auth: CountingAuth): DynamicModule {
    const config =
      choice === 'module option'
        ? CONFIG
        : Object.fromEntries(
            Object.entries(CONFIG).map(([pattern, rules]) => [pattern, rules.map((rule) => ({ ...rule, algorithm }))]),
          );
    return {
      module: AlgorithmsAppModule,
      imports: [
        RateLimitModule.forRoot({
          auth,
          storage: new MemoryStorage({ clock: clock.now }),
          config,
          ...(choice === 'module option' ? { algorithm } : {}),
        }),
      ],
      controllers: [controllerFor(choice, algorithm)],
    };
  }
}
