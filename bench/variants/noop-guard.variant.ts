import { Injectable, type CanActivate, type ExecutionContext, type ModuleMetadata } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { BareController } from './bare.variant.js';

/** Sets the two headers nestjs-ratelimit writes (fixed values) and admits everything. */
@Injectable()
class NoopHeadersGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const response = context.switchToHttp().getResponse();
    const set = (name: string, value: string) =>
      typeof response.setHeader === 'function' ? response.setHeader(name, value) : response.header(name, value);
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
  return { controllers: [BareController], providers: [{ provide: APP_GUARD, useClass: NoopHeadersGuard }] };
}
