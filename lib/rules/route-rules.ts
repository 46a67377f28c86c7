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

/**
 * Metadata that tells handlers apart beyond their names: Nest's route paths and versions
 * (`PATH_METADATA`, `VERSION_METADATA`), a resolver's type and field (@nestjs/graphql), a gateway's
 * namespace and path and a message's event (@nestjs/websockets), a microservice pattern.
 */
const ROUTE_METADATA: Record<string, (value: any) => unknown> = {
  path: (value) => value,
  __version__: (value) => value,
  'graphql:resolver_type': (value) => value,
  'graphql:resolver_name': (value) => value,
  'websockets:gateway_options': ({ namespace, path }) => [namespace, path].filter((part) => part !== undefined),
  message: (value) => value,
  'microservices:pattern': (value) => value,
};

/** One metadata value as text: strings as they are, objects (RPC patterns) as JSON, functions left out. */
function metadataText(value: unknown): string {
  return ([] as unknown[])
    .concat(value)
    .filter((part) => typeof part !== 'function')
    .map((part) => (typeof part === 'object' && part !== null ? JSON.stringify(part) : String(part)))
    .join(',');
}

/**
 * The counting scope of a decorated handler: class and method names plus the handler's routing
 * metadata (see `ROUTE_METADATA`), so same-named controllers on different paths count apart, and
 * every app instance derives the same id.
 */
function routeId(reflector: Reflector, name: string, controller: Function, handler: Function): string {
  const parts = [name];
  for (const target of [controller, handler]) {
    for (const key in ROUTE_METADATA) {
      const value: unknown = reflector.get(key, target);
      if (value === undefined) continue;
      parts.push(metadataText(ROUTE_METADATA[key](value)));
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
