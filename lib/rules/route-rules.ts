import type { Reflector } from '@nestjs/core';
import type { CompileDefaults } from './rule-compiler.js';
import { RuleList } from './rule-list.js';
import type { Rule } from './rule.interface.js';

/** Metadata key of `@RateLimit` (a `Rule[]`). */
export const RATE_LIMIT_RULES = 'nestjs-ratelimit:rules';
/** Metadata key of `@SkipRateLimit` (a `string[]`; empty = everyone). */
export const SKIP_RATE_LIMIT = 'nestjs-ratelimit:skip';

/** What a handler's decorators say, read once per handler. */
export interface RouteRateLimit {
  /** Rules of `@RateLimit` (handler over controller), compiled; undefined without the decorator. */
  list?: RuleList;
  /** Groups exempted by `@SkipRateLimit`; `'all'` for everyone. */
  skip?: ReadonlySet<string> | 'all';
}

/** Nest's metadata keys of route paths and versions (`PATH_METADATA`, `VERSION_METADATA` of @nestjs/common). */
const ROUTE_METADATA = ['path', '__version__'];

/**
 * The counting scope of a decorated route: class and method names plus the controller's and the
 * handler's paths and versions, so same-named controllers on different paths count apart, and
 * every app instance derives the same id.
 */
function routeId(reflector: Reflector, name: string, controller: Function, handler: Function): string {
  const parts = [name];
  for (const target of [controller, handler]) {
    for (const key of ROUTE_METADATA) {
      const value: unknown = reflector.get(key, target);
      if (value !== undefined) parts.push(([] as unknown[]).concat(value).map(String).join(','));
    }
  }
  return parts.join(' ');
}

/** Reads and compiles the `@RateLimit` / `@SkipRateLimit` metadata of a handler (handler over controller). */
export function readRouteRateLimit(
  reflector: Reflector,
  controller: Function,
  handler: Function,
  defaults: CompileDefaults,
): RouteRateLimit {
  const targets = [handler, controller];
  const rules = reflector.getAllAndOverride<Rule[] | undefined>(RATE_LIMIT_RULES, targets);
  const skip = reflector.getAllAndOverride<string[] | undefined>(SKIP_RATE_LIMIT, targets);
  const name = `${controller.name}.${handler.name}`;
  const source = {
    kind: 'route',
    id: routeId(reflector, name, controller, handler),
    label: `@RateLimit on ${name}`,
  } as const;
  return {
    list: rules?.length ? new RuleList(source, rules, defaults) : undefined, // no rules: no auth call
    skip: skip === undefined ? undefined : skip.length === 0 ? 'all' : new Set(skip),
  };
}
