import { Controller, Get, Module, type ExecutionContext } from '@nestjs/common';
import { MemoryStorage, RateLimit, RateLimitModule } from '../../../../lib/index.js';
import type { FakeClock } from '../../../support/app.js';

/** The weight of a request, as a client states it in `x-cost` (a GraphQL complexity, a batch size...). */
const costHeader = (context: ExecutionContext): number => Number(context.switchToHttp().getRequest().headers['x-cost']);

@Controller()
class CostController {
  /** Cost from the request: `x-cost` hits per request, 10 per minute. */
  @Get('weighted') @RateLimit({ minute: 10, cost: costHeader }) weighted() {
    return 'ok';
  }

  /** The same, from an async cost function. */
  @Get('weighted-async')
  @RateLimit({ minute: 10, cost: async (context) => costHeader(context) })
  weightedAsync() {
    return 'ok';
  }

  /** A cost function that returns what the header says, unchecked: a string. */
  @Get('bad-cost')
  @RateLimit({ minute: 10, cost: (context) => context.switchToHttp().getRequest().headers['x-cost'] })
  badCost() {
    return 'ok';
  }

  /** Every request counts 6 against a limit of 5: never admitted. */
  @Get('too-heavy') @RateLimit({ minute: 5, cost: 6 }) tooHeavy() {
    return 'ok';
  }

  /** Zone `z` with cost 3 here; the config's `^/zone` rule names the same counter with cost 2. */
  @Get('zone/heavy') @RateLimit({ minute: 10, zone: 'z', cost: 3 }) zoneHeavy() {
    return 'ok';
  }

  /** Only the config's `^/zone` rule (cost 2) applies. */
  @Get('zone/light') zoneLight() {
    return 'ok';
  }
}

/** The app of the cost scenario, counting in a MemoryStorage on `clock`. */
export function costModule(clock: FakeClock) {
  @Module({
    imports: [
      RateLimitModule.forRoot({
        storage: new MemoryStorage({ clock: clock.now }),
        config: { '^/zone': [{ minute: 10, zone: 'z', cost: 2 }] },
      }),
    ],
    controllers: [CostController],
  })
  class CostModule {}
  return CostModule;
}
