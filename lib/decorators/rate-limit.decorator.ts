import { SetMetadata } from '@nestjs/common';
import { RATE_LIMIT_RULES } from '../rules/route-rules.js';
import { validateRules } from '../rules/rule-compiler.js';
import type { Rule } from '../rules/rule.interface.js';

/**
 * Rate-limits a controller or handler with `rules`, enforced together with every matching config
 * pattern. Handler rules replace controller rules. Counters are per handler unless a rule has a
 * `zone`. Invalid rules throw `InvalidRateLimitConfigError` when the class is defined.
 *
 * @example `@RateLimit({ second: 1, hour: 100, blockTime: 600 }, { group: 'admin' })`
 */
export function RateLimit(...rules: Rule[]): ClassDecorator & MethodDecorator {
  validateRules(rules, '@RateLimit(...)');
  return SetMetadata(RATE_LIMIT_RULES, rules);
}
