import {
  Controller,
  Get,
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type ModuleMetadata,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { BODY } from './bench.routes.js';

@Controller()
class GuardedController {
  @Get('limited') limited(): string {
    return BODY;
  }

  @Get('blocked') blocked(): string {
    return BODY;
  }
}

/** Sets the two headers nestjs-ratelimit writes (fixed values) and admits everything. */
@Injectable()
class NoopHeadersGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const response = context.switchToHttp().getResponse();
    const set =
      typeof response.setHeader === 'function' ? response.setHeader.bind(response) : response.header.bind(response);
    set('RateLimit-Policy', '"second";q=1000000000;w=1, "minute";q=1000000000;w=60, "hour";q=1000000000;w=3600');
    set('RateLimit', '"second";r=999999999;t=1, "minute";r=999999999;t=60, "hour";r=999999999;t=3600');
    return true;
  }
}

/**
 * Control: the bare app plus a global async guard that only writes the same two headers as
 * nestjs-ratelimit. Its ratio to bare is what any limiter pays for Nest's guard step and the headers.
 */
export function noopGuardVariant(): ModuleMetadata {
  return { controllers: [GuardedController], providers: [{ provide: APP_GUARD, useClass: NoopHeadersGuard }] };
}
