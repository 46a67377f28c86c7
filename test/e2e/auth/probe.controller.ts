import {
  Controller,
  Get,
  HttpException,
  HttpStatus,
  type ExecutionContext,
  type INestApplication,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { RateLimit, RateLimitModule, type RateLimitInfo, type RateLimitModuleOptions } from '../../../lib/index.js';
import { createApp, type Platform } from '../../support/app.js';

/** Groups the probe can reveal (a rule per group: only the identity's own group is selected). */
const GROUPS = ['default', 'admin', 'staff'];

/**
 * Routes for auth scenarios. `GET /whoami` has a zero limit, so every request reaches
 * `revealIdentity` (pass it as `onBlocked`), which answers 200 with the identity the guard saw.
 * `GET /limited` admits one request per minute, admins unlimited.
 */
@Controller()
export class ProbeController {
  @Get('whoami')
  @RateLimit(...GROUPS.map((group) => ({ group, second: 0 })))
  whoami() {
    return 'unreachable: the zero limit rejects every request';
  }

  @Get('limited')
  @RateLimit({ minute: 1 }, { group: 'admin' })
  limited() {
    return { ok: true };
  }
}

/** `onBlocked` option revealing the identity of `/whoami` requests as a 200 `{ user, group }`. */
export function revealIdentity(context: ExecutionContext, info: RateLimitInfo): void {
  if (context.switchToHttp().getRequest().url.startsWith('/whoami')) {
    throw new HttpException(info.identity, HttpStatus.OK);
  }
}

/** What else a probe app holds besides `RateLimitModule.forRoot(options)` and `ProbeController`. */
export interface ProbeExtras {
  imports?: ModuleMetadata['imports'];
  controllers?: Type[];
  configure?: (app: INestApplication) => unknown;
}

/** Boots an app with `ProbeController` and `RateLimitModule.forRoot({ onBlocked: revealIdentity, ...options })`. */
export function bootProbe(
  platform: Platform,
  options: RateLimitModuleOptions,
  { imports = [], controllers = [], configure }: ProbeExtras = {},
): Promise<INestApplication> {
  return createApp(
    platform,
    {
      imports: [...imports, RateLimitModule.forRoot({ onBlocked: revealIdentity, ...options })],
      controllers: [ProbeController, ...controllers],
    },
    configure,
  );
}
