import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { checkIdentity, type ResolvedIdentity } from './auth/identity.js';
import type { IdentifyFunction } from './auth/identify.js';
import type { Identity } from './auth/rate-limit-auth.interface.js';
import type { ContextKind } from './contexts/context-kind.interface.js';
import { contextKindOf } from './contexts/contexts.js';
import { InvalidRateLimitConfigError } from './errors/invalid-rate-limit-config.error.js';
import type { DraftPolicy } from './headers/rate-limit-headers.js';
import type { ResolvedRateLimitOptions } from './rate-limit.options.js';
import { RateLimitService } from './rate-limit.service.js';
import { InjectRateLimitIdentify, InjectRateLimitPatterns, InjectRateLimitSettings } from './rate-limit.tokens.js';
import type { LimitPlan } from './rules/limit-plan.js';
import { hasPatterns, PatternHits } from './rules/pattern-hits.js';
import type { PatternRules } from './rules/pattern-rules.js';
import type { RateLimitInfo } from './rules/rate-limit-info.interface.js';
import { readRouteRateLimit, type RouteRateLimit } from './rules/route-rules.js';
import type { CompiledRule } from './rules/rule-compiler.js';
import type { RuleList } from './rules/rule-list.js';
import { andThen, isPromise, type MaybePromise } from './utils/maybe-promise.js';
import { requestPaths } from './utils/normalize-path.js';

/**
 * The global guard `RateLimitModule` registers. Per call: find the rule lists that apply (route
 * decorators and matching config patterns), identify the caller once, select each list's rule for
 * the caller's group and method, and check every limit in one storage call. It limits HTTP routes,
 * GraphQL resolvers, WebSocket message handlers and microservice handlers; what differs between
 * them (where the request is, whether config patterns apply, how headers are written, what a
 * rejection becomes) is their `ContextKind`'s. Subclass it and pass the subclass as `guard` to
 * `forRoot` to change one step.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  /** By handler: its route's metadata, for the controller first seen with it (and any other controllers). */
  private readonly routes = new WeakMap<Function, HandlerRoutes>();
  /** GraphQL: which HTTP requests already counted their config patterns. */
  private readonly patternHits = new PatternHits();

  constructor(
    protected readonly reflector: Reflector,
    protected readonly service: RateLimitService,
    @InjectRateLimitSettings() protected readonly settings: ResolvedRateLimitOptions,
    @InjectRateLimitPatterns() protected readonly patterns: PatternRules[],
    @InjectRateLimitIdentify() protected readonly identifyCaller: IdentifyFunction,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const kind = contextKindOf(context);
    if (kind === undefined) return this.unknownKind(context);
    const route = this.routeRateLimit(context);
    const skip = route.skip;
    if (skip === 'all' || (route.list === undefined && this.patterns.length === 0)) return true;
    const request = kind.request(context);
    const lists = this.ruleLists(request, route, kind.patterns !== 'none');
    if (lists.length === 0) return true;

    // Synchronous end to end when auth and storage are (ClientIpAuth, MemoryStorage): no promise per request.
    const identity = this.identify(context, kind);
    return isPromise(identity)
      ? identity.then((known) => this.limitCall(context, kind, request, lists, skip, known))
      : this.limitCall(context, kind, request, lists, skip, identity);
  }

  /** The steps after identification: select each list's rule, count, respond. */
  private limitCall(
    context: ExecutionContext,
    kind: ContextKind,
    request: any,
    lists: readonly RuleList[],
    skip: ReadonlySet<string> | undefined,
    identity: Required<Identity>,
  ): boolean | Promise<boolean> {
    if (skip?.has(identity.group)) return true;
    const method = kind.method(context, request);
    if (kind.patterns === 'once-per-request' && hasPatterns(lists)) {
      return this.limitOncePerRequest(context, kind, request, lists, identity, method);
    }
    const rules = this.selectRules(lists, identity, method);
    if (rules.length === 0) return true;
    const plan = this.service.planFor(rules);
    const info = this.service.limitByPlan(identity, plan, false, context);
    return isPromise(info)
      ? info.then((outcome) => this.respond(context, outcome, kind, plan.policy))
      : this.respond(context, info, kind, plan.policy);
  }

  /**
   * `limitCall` of a call whose config patterns count once per HTTP request (GraphQL resolvers):
   * they are left out once a call of the same request counted them (`PatternHits`).
   */
  private limitOncePerRequest(
    context: ExecutionContext,
    kind: ContextKind,
    request: any,
    lists: readonly RuleList[],
    identity: ResolvedIdentity,
    method: string,
  ): boolean | Promise<boolean> {
    let plan: LimitPlan | undefined; // of the lists last counted, which `info` reports
    const limit = (some: readonly RuleList[]) => {
      const rules = this.selectRules(some, identity, method);
      if (rules.length === 0) return undefined;
      plan = this.service.planFor(rules);
      return this.service.limitByPlan(identity, plan, false, context);
    };
    return andThen(this.patternHits.limit(request, lists, limit), (info) =>
      info === undefined ? true : this.respond(context, info, kind, plan!.policy),
    );
  }

  /** A context type no `ContextKind` handles (a custom transport): passes, unless its handler is decorated. */
  private unknownKind(context: ExecutionContext): true {
    if (this.routeRateLimit(context).list === undefined) return true;
    throw new InvalidRateLimitConfigError(
      `RateLimitGuard cannot limit ${context.getClass().name}.${context.getHandler().name}: ` +
        `handlers of context type "${context.getType()}" are not supported (http, graphql, ws and rpc are); ` +
        'limit them with RateLimitService.consume instead.',
    );
  }

  /**
   * Writes the rate-limit headers (`policy`: the draft policy of `info.limits` when known); a
   * rejected call (unless `dryRun`) gets `onBlocked`, then the rejection.
   */
  protected respond(
    context: ExecutionContext,
    info: RateLimitInfo,
    kind: ContextKind = contextKindOf(context)!,
    policy?: DraftPolicy,
  ): boolean | Promise<boolean> {
    const rejected = !info.allowed && !this.settings.dryRun;
    kind.writeHeaders(context, this.settings.headers, info.limits, rejected ? info.retryAfter : undefined, policy);
    if (!rejected) return true;
    return andThen(this.onBlocked(context, info), () =>
      andThen(kind.rejection(info.retryAfter), (rejection) => {
        throw rejection;
      }),
    );
  }

  /** The route's decorator metadata, compiled on the first call and cached. */
  protected routeRateLimit(context: ExecutionContext): RouteRateLimit {
    const controller = context.getClass();
    const handler = context.getHandler();
    // One lookup per call: a handler nearly always belongs to one controller (an inherited method to several).
    const known = this.routes.get(handler);
    if (known?.controller === controller) return known.route;
    let route = known?.others?.get(controller);
    if (route === undefined) {
      route = readRouteRateLimit(this.reflector, controller, handler, this.settings);
      if (known === undefined) this.routes.set(handler, { controller, route });
      else (known.others ??= new Map()).set(controller, route);
    }
    return route;
  }

  /**
   * Every rule list that applies to the call: the route's, then (when `patterns`: the call's kind has
   * paths) each config pattern matching its request's path. `request` is what `requestOf` gives:
   * the HTTP request, GraphQL's HTTP request, a WebSocket handshake, or `undefined` for an RPC call.
   */
  protected ruleLists(request: any, route: RouteRateLimit, patterns = true): RuleList[] {
    const lists: RuleList[] = route.list ? [route.list] : [];
    if (patterns && this.patterns.length > 0 && request !== undefined) {
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

  /** The caller's identity; auth failures go to `onAuthError` (default: a 401 naming the cause). */
  protected identify(
    context: ExecutionContext,
    kind: ContextKind = contextKindOf(context)!,
  ): MaybePromise<Required<Identity>> {
    let identity: MaybePromise<Required<Identity>>;
    try {
      identity = this.identifyCaller(context);
    } catch (error) {
      return this.authFailed(error, context, kind);
    }
    return isPromise(identity)
      ? identity.then(undefined, (error: unknown) => this.authFailed(error, context, kind))
      : identity;
  }

  /** What an auth failure becomes: `onAuthError`'s identity, or the kind's auth failure (never a 500). */
  protected async authFailed(
    error: unknown,
    context: ExecutionContext,
    kind: ContextKind = contextKindOf(context)!,
  ): Promise<Required<Identity>> {
    if (error instanceof InvalidRateLimitConfigError) throw error; // misconfiguration: a 500, never a fallback
    const { onAuthError } = this.settings;
    if (onAuthError === undefined) throw await kind.authFailure(error);
    try {
      return checkIdentity(await onAuthError(error, context), 'onAuthError');
    } catch (thrown) {
      // Its own HttpException passes; anything else (the auth error rethrown, a bad identity) is a 401.
      throw thrown instanceof InvalidRateLimitConfigError ? thrown : await kind.authFailure(thrown);
    }
  }

  /** From each list, its first rule for the identity's group and the call's method. */
  protected selectRules(lists: readonly RuleList[], identity: Required<Identity>, method: string): CompiledRule[] {
    // Sized up front: an empty array's first push would grow it to 17 slots (about 150 bytes per request).
    const rules = new Array<CompiledRule>(lists.length);
    let selected = 0;
    for (let i = 0; i < lists.length; i++) {
      const rule = lists[i].select(identity.group, method);
      if (rule !== undefined && rule.limits.length > 0) rules[selected++] = rule;
    }
    if (selected < rules.length) rules.length = selected; // a call of the slow `length` setter otherwise
    return rules;
  }

  /** Runs the `onBlocked` option, which may throw its own exception instead of the rejection. */
  protected onBlocked(context: ExecutionContext, info: RateLimitInfo): unknown {
    return this.settings.onBlocked?.(context, info);
  }
}

/** The route metadata of one handler: for the first controller met with it, and for other controllers inheriting it. */
interface HandlerRoutes {
  controller: Function;
  route: RouteRateLimit;
  others?: Map<Function, RouteRateLimit>;
}
