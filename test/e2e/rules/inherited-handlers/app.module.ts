import { Controller, Get, Module } from '@nestjs/common';
import { RateLimit, RateLimitModule, SkipRateLimit } from '../../../../lib/index.js';
import { headerAuth } from '../../../support/header-auth.js';

/** Handlers every controller below inherits: one function object, several routes. */
abstract class ItemsController {
  @Get('items') list() {
    return 'items';
  }
}

@Controller('one')
@RateLimit({ minute: 1 })
class OneController extends ItemsController {}

@Controller('two')
@RateLimit({ minute: 2 })
class TwoController extends ItemsController {}

@Controller('open')
@SkipRateLimit()
class OpenController extends ItemsController {}

/** Three controllers sharing the inherited `list` handler, each with its own class-level metadata. */
@Module({
  imports: [RateLimitModule.forRoot({ auth: headerAuth() })],
  controllers: [OneController, TwoController, OpenController],
})
export class InheritedHandlersAppModule {}
