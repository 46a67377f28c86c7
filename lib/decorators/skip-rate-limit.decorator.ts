import { SetMetadata } from '@nestjs/common';
import { SKIP_RATE_LIMIT } from '../rules/route-rules.js';

/**
 * Exempts a controller or handler from every rate limit (config patterns included): for everyone
 * when called without arguments, else for callers in the given groups.
 *
 * @example `@SkipRateLimit('admin')`
 */
export function SkipRateLimit(...groups: string[]): ClassDecorator & MethodDecorator {
  return SetMetadata(SKIP_RATE_LIMIT, groups);
}
