import { Controller, Module, type ExecutionContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InvalidRateLimitConfigError, RateLimit, RateLimitGuard, RateLimitModule } from '../../../lib/index.js';

@Controller()
class BotController {
  @RateLimit({ minute: 1 }) limited() {}
  free() {}
}

@Module({
  imports: [RateLimitModule.forRoot({ guard: false })],
  controllers: [BotController],
  providers: [RateLimitGuard],
})
class BotModule {}

/** A handler of a custom transport (e.g. a Telegram bot library's own context type). */
const callOf = (handler: Function) =>
  ({
    getType: () => 'telegraf',
    getClass: () => BotController,
    getHandler: () => handler,
  }) as unknown as ExecutionContext;

describe('a context type no ContextKind handles', () => {
  it('passes undecorated handlers, and fails loudly for decorated ones: never silently unlimited', async () => {
    const app = await NestFactory.createApplicationContext(BotModule, { logger: false });
    try {
      const guard = app.get(RateLimitGuard);
      expect(guard.canActivate(callOf(BotController.prototype.free))).toBe(true);
      expect(() => guard.canActivate(callOf(BotController.prototype.limited))).toThrow(InvalidRateLimitConfigError);
      expect(() => guard.canActivate(callOf(BotController.prototype.limited))).toThrow(
        'RateLimitGuard cannot limit BotController.limited: handlers of context type "telegraf" are not supported',
      );
    } finally {
      await app.close();
    }
  });
});
