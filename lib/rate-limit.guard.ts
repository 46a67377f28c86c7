import {
  HttpException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Identity } from './auth/rate-limit-auth.interface.js';
import { EmptyInformation } from './errors/empty-information.error.js';
import { InvalidRateLimitConfigError } from './errors/invalid-rate-limit-config.error.js';
import { RateLimitExceededException } from './errors/rate-limit-exceeded.exception.js';
import {
  RATE_LIMIT_IDENTIFY,
  RATE_LIMIT_PATTERNS,
  RATE_LIMIT_RULES,
  RATE_LIMIT_SETTINGS,
  SKIP_RATE_LIMIT,
} from './rate-limit.constants.js';
import type { RateLimitInfo, ResolvedRateLimitOptions } from './rate-limit.options.js';
import { RateLimitService } from './rate-limit.service.js';
import type { CompiledRule } from './rules/rule-compiler.js';
import { RuleList } from './rules/rule-list.js';
import type { PatternRules } from './rules/pattern-rules.js';
import type { Rule } from './rules/rule.interface.js';
import { isPromise, then, type MaybePromise } from './utils/maybe-promise.js';
import { requestPaths } from './utils/normalize-path.js';
import { setHeader, writeRateLimitHeaders } from './utils/rate-limit-headers.js';

/** Resolves the identity of a request with the module's auth providers. */
export type IdentifyFunction = (context: ExecutionContext) => MaybePromise<Required<Identity>>;

/** What a route's decorators say, read once per handler. */
export interface RouteRateLimit {
  /** Rules of `@RateLimit` (handler over controller), compiled; undefined without the decorator. */
  list?: RuleList;
  /** Groups exempted by `@SkipRateLimit`; `'all'` for everyone. */
  skip?: ReadonlySet<string> | 'all';
}

/**
 * The global guard `RateLimitModule` registers. Per request: find the rule lists that apply (route
 * decorators and matching config patterns), identify the caller once, select each list's rule for
 * the caller's group and method, and check every limit in one storage call. Subclass it and pass
 * the subclass as `guard` to `forRoot` to change one step.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly routes = new WeakMap<Function, Map<Function, RouteRateLimit>>();

  constructor(
    protected readonly reflector: Reflector,
    protected readonly service: RateLimitService,
    @Inject(RATE_LIMIT_SETTINGS) protected readonly settings: ResolvedRateLimitOptions,
    @Inject(RATE_LIMIT_PATTERNS) protected readonly patterns: PatternRules[],
    @Inject(RATE_LIMIT_IDENTIFY) protected readonly identifyCaller: IdentifyFunction,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const route = this.routeRateLimit(context);
    const skip = route.skip;
    if (skip === 'all') return true;
    const request = context.switchToHttp().getRequest();
    const lists = this.ruleLists(request, route);
    if (lists.length === 0) return true;

    // Synchronous end to end when auth and storage are (ClientIpAuth, MemoryStorage): no promise per request.
    return then(this.identify(context), (identity) => {
      if (skip?.has(identity.group)) return true;
      const rules = this.selectRules(lists, identity, request.method);
      if (rules.length === 0) return true;
      return then(this.service.limit(identity, rules), (info) => this.respond(context, info));
    });
  }

  /** Writes the rate-limit headers; a rejected request (unless `dryRun`) gets `onBlocked`, then the 429. */
  protected respond(context: ExecutionContext, info: RateLimitInfo): boolean | Promise<boolean> {
    const response = context.switchToHttp().getResponse();
    writeRateLimitHeaders(response, this.settings.headers, info.limits);
    if (info.allowed || this.settings.dryRun) return true;
    setHeader(response, 'Retry-After', info.retryAfter);
    return then(this.onBlocked(context, info), () => {
      throw new RateLimitExceededException(info.retryAfter);
    });
  }

  /** The route's decorator metadata, compiled on the first request and cached. */
  protected routeRateLimit(context: ExecutionContext): RouteRateLimit {
    const controller = context.getClass();
    const handler = context.getHandler();
    let handlers = this.routes.get(controller);
    if (handlers === undefined) this.routes.set(controller, (handlers = new Map()));
    let route = handlers.get(handler);
    if (route === undefined) {
      route = this.readRoute(controller, handler);
      handlers.set(handler, route);
    }
    return route;
  }

  /** Every rule list that applies to the request: the route's, then each matching config pattern's. */
  protected ruleLists(request: any, route: RouteRateLimit): RuleList[] {
    const lists: RuleList[] = route.list ? [route.list] : [];
    if (this.patterns.length > 0) {
      const paths = requestPaths(request); // one string unless the URL is spelled unusually
      for (const { regex, list } of this.patterns) {
        for (const path of paths) {
          if (regex.test(path)) {
            lists.push(list);
            break;
          }
        }
      }
    }
    return lists;
  }

  /** The caller's identity; auth failures go to `onAuthError` (default: 401 naming the cause). */
  protected identify(context: ExecutionContext): MaybePromise<Required<Identity>> {
    let identity: MaybePromise<Required<Identity>>;
    try {
      identity = this.identifyCaller(context);
    } catch (error) {
      return this.authFailed(error, context);
    }
    return isPromise(identity)
      ? identity.then(undefined, (error: unknown) => this.authFailed(error, context))
      : identity;
  }

  /** What an auth failure becomes: `onAuthError`'s identity, or an exception (never a 500). */
  protected async authFailed(error: unknown, context: ExecutionContext): Promise<Required<Identity>> {
    if (error instanceof InvalidRateLimitConfigError) throw error; // misconfiguration: a 500, never a fallback
    const { onAuthError } = this.settings;
    if (onAuthError === undefined) throw defaultAuthError(error);
    try {
      return normalizeIdentity(await onAuthError(error, context));
    } catch (thrown) {
      // Its own HttpException passes; anything else (the auth error rethrown, a bad identity) is a 401.
      throw thrown instanceof InvalidRateLimitConfigError ? thrown : defaultAuthError(thrown);
    }
  }

  /** From each list, its first rule for the identity's group and the request method. */
  protected selectRules(lists: readonly RuleList[], identity: Required<Identity>, method: string): CompiledRule[] {
    const rules: CompiledRule[] = [];
    for (const list of lists) {
      const rule = list.select(identity.group, method);
      if (rule !== undefined && rule.limits.length > 0) rules.push(rule);
    }
    return rules;
  }

  /** Runs the `onBlocked` option, which may throw its own exception instead of the 429. */
  protected onBlocked(context: ExecutionContext, info: RateLimitInfo): unknown {
    return this.settings.onBlocked?.(context, info);
  }

  private readRoute(controller: Function, handler: Function): RouteRateLimit {
    const targets = [handler, controller];
    const rules = this.reflector.getAllAndOverride<Rule[] | undefined>(RATE_LIMIT_RULES, targets);
    const skip = this.reflector.getAllAndOverride<string[] | undefined>(SKIP_RATE_LIMIT, targets);
    const name = `${controller.name}.${handler.name}`;
    const source = {
      kind: 'route',
      id: routeId(this.reflector, name, controller, handler),
      label: `@RateLimit on ${name}`,
    } as const;
    return {
      list: rules?.length ? new RuleList(source, rules, this.settings) : undefined, // no rules: no auth call
      skip: skip === undefined ? undefined : skip.length === 0 ? 'all' : new Set(skip),
    };
  }
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

/** Checks an identity returned by an auth provider or `onAuthError`, filling the default group. */
export function normalizeIdentity(identity: Identity): Required<Identity> {
  const user: unknown = identity?.user;
  if ((typeof user !== 'string' && typeof user !== 'number') || user === '') {
    throw new EmptyInformation(`An auth provider returned ${JSON.stringify(identity)}: expected { user: string }`);
  }
  const group = identity.group;
  return { user: String(user), group: typeof group === 'string' && group !== '' ? group : 'default' };
}

function defaultAuthError(error: unknown): HttpException {
  if (error instanceof HttpException) return error;
  const cause = error instanceof Error ? error.message : String(error);
  const reason = error instanceof EmptyInformation ? 'no identity' : 'invalid credentials';
  return new UnauthorizedException(`Rate limiting could not identify the caller (${reason}): ${cause}`);
}
