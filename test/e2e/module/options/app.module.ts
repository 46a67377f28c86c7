import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  Post,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import {
  EmptyInformation,
  MemoryStorage,
  RateLimit,
  RateLimitGuard,
  RateLimitService,
  type ConsumeRequest,
  type Identity,
  type RateLimitAuth,
  type RateLimitModuleOptions,
  type RateLimitOptionsFactory,
  type RateLimitStorage,
} from '../../../../lib/index.js';
import { FakeClock } from '../../../support/app.js';

/** Token of the test's configuration values. */
export const LIMITS = Symbol('LIMITS');
/** The clock every storage of this scenario uses. */
export const CLOCK = Symbol('CLOCK');
/** Calls made to `CountingStorage`. */
export const STORAGE_CALLS = Symbol('STORAGE_CALLS');

/** Configuration the rate-limit options are built from (like a ConfigModule). */
@Module({
  providers: [
    { provide: LIMITS, useValue: { perMinute: 2 } },
    { provide: CLOCK, useValue: new FakeClock() },
    { provide: STORAGE_CALLS, useValue: { count: 0 } },
  ],
  exports: [LIMITS, CLOCK, STORAGE_CALLS],
})
export class LimitsModule {}

/** Looks up API tokens: what an auth class needs from its own module. */
@Injectable()
export class UsersService {
  private readonly tokens: Record<string, Identity> = { t1: { user: 'ann' }, t2: { user: 'bob', group: 'admin' } };
  find(token: string | undefined): Identity | undefined {
    return token === undefined ? undefined : this.tokens[token];
  }
}

@Module({ providers: [UsersService], exports: [UsersService] })
export class UsersModule {}

/** An auth class built by Nest DI: `x-token` looked up in `UsersService`. */
@Injectable()
export class TokenAuth implements RateLimitAuth {
  constructor(private readonly users: UsersService) {}
  authenticate(context: ExecutionContext): Identity {
    const identity = this.users.find(context.switchToHttp().getRequest().headers['x-token']);
    if (identity === undefined) throw new EmptyInformation('unknown x-token');
    return identity;
  }
}

/** A storage class built by Nest DI: a MemoryStorage on the scenario's clock that counts its calls. */
@Injectable()
export class CountingStorage implements RateLimitStorage {
  private readonly memory: MemoryStorage;
  constructor(
    @Inject(CLOCK) clock: FakeClock,
    @Inject(STORAGE_CALLS) private readonly calls: { count: number },
  ) {
    this.memory = new MemoryStorage({ clock: clock.now });
  }
  consume(request: ConsumeRequest) {
    this.calls.count++;
    return this.memory.consume(request);
  }
  reset(identityKey: string) {
    return this.memory.reset(identityKey);
  }
}

/** Options built from `LimitsModule`: `'^/ping'` limited to `perMinute`, users from `x-token`. */
export function optionsFrom(limits: { perMinute: number }, clock: FakeClock): RateLimitModuleOptions {
  return {
    auth: TokenAuth,
    storage: new MemoryStorage({ clock: clock.now }),
    config: { '^/ping': [{ minute: limits.perMinute }] },
  };
}

/** The `useClass` / `useExisting` form of `optionsFrom`. */
@Injectable()
export class RateLimitOptions implements RateLimitOptionsFactory {
  constructor(
    @Inject(LIMITS) private readonly limits: { perMinute: number },
    @Inject(CLOCK) private readonly clock: FakeClock,
  ) {}
  createRateLimitOptions(): RateLimitModuleOptions {
    return optionsFrom(this.limits, this.clock);
  }
}

@Controller()
export class PingController {
  @Get('ping') ping() {
    return 'pong';
  }
}

/** Uses `RateLimitService` outside the guard: a quota for exports, and resetting a user. */
@Controller()
export class ServiceController {
  constructor(private readonly limiter: RateLimitService) {}
  @Post('export/:user') async export(@Param('user') user: string) {
    const { allowed, retryAfter } = await this.limiter.consume({ user }, 'export', { hour: 1 });
    return { allowed, retryAfter };
  }
  @Get('export/:user/check') async check(@Param('user') user: string) {
    const { allowed } = await this.limiter.check({ user }, 'export', { hour: 1 });
    return { allowed };
  }
  @Post('reset/:user') async reset(@Param('user') user: string) {
    await this.limiter.reset(user);
    return 'reset';
  }
}

/** Guarded explicitly, for `guard: false`. */
@Controller('guarded')
@UseGuards(RateLimitGuard)
export class GuardedController {
  @Get() @RateLimit({ minute: 1 }) guarded() {
    return 'guarded';
  }
}

/** A route with a rule but no explicit guard. */
@Controller('unguarded')
export class UnguardedController {
  @Get() @RateLimit({ minute: 1 }) unguarded() {
    return 'unguarded';
  }
}

/** A guard subclass that identifies every caller as one shared user. */
@Injectable()
export class SharedUserGuard extends RateLimitGuard {
  protected override async identify(): Promise<Required<Identity>> {
    return { user: 'everyone', group: 'default' };
  }
}
