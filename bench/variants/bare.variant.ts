import { Controller, Get, type ModuleMetadata } from '@nestjs/common';
import { BODY } from './bench.routes.js';

/** The routes of the apps without a limiter, answering `BODY`. */
@Controller()
export class BareController {
  @Get('limited') limited(): string {
    return BODY;
  }

  @Get('blocked') blocked(): string {
    return BODY;
  }
}

/** The application without any limiter: the baseline every ratio is relative to. */
export function bareVariant(): ModuleMetadata {
  return { controllers: [BareController] };
}
