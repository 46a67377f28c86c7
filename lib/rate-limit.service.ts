import { Inject, Injectable, Optional, type ExecutionContext } from '@nestjs/common';
import type { IdentifyFunction } from './auth/identify.js';
import { checkIdentity, type ResolvedIdentity } from './auth/identity.js';
import type { Identity } from './auth/rate-limit-auth.interface.js';
import { InvalidRateLimitConfigError } from './errors/invalid-rate-limit-config.error.js';
import type { DecisionRecorder } from './observability/decision-recorder.js';
import type { ResolvedRateLimitOptions } from './rate-limit.options.js';
import { wsConnectionContext } from './contexts/ws.context.js';
import {
  RATE_LIMIT_DECISIONS,
  RATE_LIMIT_IDENTIFY,
  RATE_LIMIT_SETTINGS,
  RATE_LIMIT_STORAGE,
} from './rate-limit.tokens.js';
import { costsOf, LimitPlans, report, type LimitPlan } from './rules/limit-plan.js';
import type { RateLimitInfo } from './rules/rate-limit-info.interface.js';
import { checkCost, validateRules, type CompiledRule } from './rules/rule-compiler.js';
import { RuleList } from './rules/rule-list.js';
import type { Rule } from './rules/rule.interface.js';
import type { ConsumeResult, RateLimitStorage } from './storage/rate-limit-storage.interface.js';
import { IdentityKeys } from './utils/identity-keys.js';
import { identityKey } from './utils/keys.js';
import { andThen, isPromise, type MaybePromise } from './utils/maybe-promise.js';

/** Where a `RateLimitService` call counts, and how many hits: `consume(identity, { scope, cost }, ...rules)`. */
export interface RateLimitCall {
  /** The counting scope: calls with the same scope share counters (as a string scope argument). */
  scope: string;
  /**
   * Hits this call counts in each limit of the selected rule, a whole number >= 0; replaces the
   * rules' `cost`. Default: the rule's `cost` (1 unless the rule says otherwise).
   */
  cost?: number;
}

/**
 * Rate limiting outside guarded handlers (queues, CLI jobs, WebSocket connections) with the
 * module's storage, and the counting engine the guard uses. Inject it anywhere once
 * `RateLimitModule` is imported.
 */
@Injectable()
export class RateLimitService {
  private readonly scopes = new Map<string, { rules: readonly Rule[]; list: RuleList }>();
  private readonly plans = new LimitPlans();
  private readonly identityKeys: IdentityKeys;

  constructor(
    @Inject(RATE_LIMIT_SETTINGS) private readonly settings: ResolvedRateLimitOptions,
    @Inject(RATE_LIMIT_STORAGE) private readonly storage: RateLimitStorage,
    @Optional() @Inject(RATE_LIMIT_IDENTIFY) private readonly identify?: IdentifyFunction,
    @Optional() @Inject(RATE_LIMIT_DECISIONS) private readonly decisions: DecisionRecorder | null = null,
  ) {
    this.identityKeys = new IdentityKeys(settings.keyPrefix);
  }

  /**
   * Counts one hit of `identity` in `scope` against `rules` (first rule for the identity's group,
   * as in the config) and returns the outcome; nothing is counted when it is rejected. Give
   * `{ scope, cost }` instead of the scope to count `cost` hits (a rule's own `cost` counts too).
   * @example `const { allowed, retryAfter } = await service.consume({ user: id }, 'export-job', { hour: 5 })`
   * @example `await service.consume({ user: id }, { scope: 'export-rows', cost: rows.length }, { hour: 10_000 })`
   */
  consume(identity: Identity, scope: string | RateLimitCall, ...rules: Rule[]): Promise<RateLimitInfo> {
    return this.run(identity, scope, rules, false);
  }

  /** Like `consume`, but only reports whether the hit(s) would be admitted; counts nothing. */
  check(identity: Identity, scope: string | RateLimitCall, ...rules: Rule[]): Promise<RateLimitInfo> {
    return this.run(identity, scope, rules, true);
  }

  /**
   * Limits WebSocket connections, which Nest does not guard: call it from a gateway's
   * `handleConnection(client)`. The client is identified by the module's auth providers as its
   * messages are (handshake address and headers, socket.io `handshake.auth.token`), then one hit
   * is counted in `scope` against `rules` (first rule for the identity's group), like a guarded
   * call: the module's `dryRun`, metrics and `onDecision` apply. Disconnect the client when
   * `allowed` is false. An auth failure rejects the promise with the provider's error (e.g.
   * `EmptyInformation`).
   * @example `if (!(await rateLimit.limitConnection(client, 'chat-connect', { minute: 10 })).allowed) client.disconnect(true)`
   */
  async limitConnection(client: object, scope: string, ...rules: Rule[]): Promise<RateLimitInfo> {
    if (this.identify === undefined) {
      throw new Error(
        "RateLimitService.limitConnection needs the module's auth providers: inject the service from RateLimitModule.",
      );
    }
    const context = wsConnectionContext(client);
    const identity = await this.identify(context); // keeps the namespace of an auth list's provider
    const rule = this.scopeList(scope, rules).select(identity.group, '*');
    return this.limit(identity, rule ? [rule] : [], false, context);
  }

  /**
   * Forgets every counter and block of `user`, in every scope; with an auth list of several
   * providers, of the user found by any of them.
   */
  async reset(user: string): Promise<void> {
    const { keyPrefix } = this.settings;
    await this.storage.reset(identityKey(keyPrefix, user));
    for (const namespace of this.identify?.namespaces ?? []) {
      await this.storage.reset(identityKey(keyPrefix, user, namespace));
    }
  }

  /**
   * What one combination of selected rules (as `RateLimitGuard.selectRules` returns them) asks of
   * the storage: built on first use of the combination, then cached.
   */
  planFor(rules: readonly CompiledRule[]): LimitPlan {
    return this.plans.planFor(rules);
  }

  /**
   * Checks and (unless `peek`) counts one request of `identity` against the limits of `rules`
   * (compiled rules, as `RateLimitGuard.selectRules` returns them), in one storage call. Rules
   * without limits are ignored; with no limit at all the request is allowed. `context` is what the
   * rules' cost functions are called with. Answers synchronously when the storage and the cost
   * functions do (MemoryStorage, number costs), else with a promise. Every counted call (not a
   * peek) goes to the metrics and `onDecision`, with `context` (the guard's call; the module's
   * `dryRun` applies to those only).
   */
  limit(
    identity: ResolvedIdentity,
    rules: readonly CompiledRule[],
    peek = false,
    context?: ExecutionContext,
  ): MaybePromise<RateLimitInfo> {
    return this.limitByPlan(identity, this.plans.planFor(rules), peek, context);
  }

  /** `limit` with the plan of the rules (`planFor(rules)`) already at hand. */
  limitByPlan(
    identity: ResolvedIdentity,
    plan: LimitPlan,
    peek = false,
    context?: ExecutionContext,
  ): MaybePromise<RateLimitInfo> {
    if (plan.costFunctions === undefined) return this.count(identity, plan, peek, plan.costs, context);
    return andThen(costsOf(plan, context), (costs) => this.count(identity, plan, peek, costs, context));
  }

  private count(
    identity: ResolvedIdentity,
    plan: LimitPlan,
    peek: boolean,
    costs: readonly number[] | undefined,
    context: ExecutionContext | undefined,
  ): MaybePromise<RateLimitInfo> {
    if (plan.checks.length === 0) return { identity, allowed: true, retryAfter: 0, blocked: false, limits: [] };
    const answer = this.storage.consume({
      identityKey: this.identityKeys.of(identity.user, identity.namespace),
      limits: plan.checks,
      blocks: plan.blocks,
      peek,
      costs,
    });
    if (isPromise(answer)) return answer.then((result) => this.reported(identity, plan, result, peek, context));
    return this.reported(identity, plan, answer, peek, context);
  }

  /** The outcome of a storage answer, recorded for the metrics and `onDecision` unless it was a peek. */
  private reported(
    identity: ResolvedIdentity,
    plan: LimitPlan,
    result: ConsumeResult,
    peek: boolean,
    context: ExecutionContext | undefined,
  ): RateLimitInfo {
    const info = report(identity, plan, result);
    if (this.decisions !== null && !peek) this.decisions.record(plan, result, info, context);
    return info;
  }

  private run(identity: Identity, call: string | RateLimitCall, rules: Rule[], peek: boolean): Promise<RateLimitInfo> {
    try {
      const { scope, cost } = typeof call === 'object' && call !== null ? call : { scope: call, cost: undefined };
      if (typeof scope !== 'string') {
        throw new InvalidRateLimitConfigError(
          `Invalid RateLimitService scope ${JSON.stringify(scope)}: expected a string or { scope: string, cost?: number }.`,
        );
      }
      if (cost !== undefined) checkCost(cost, `"cost" of a RateLimitService call in scope "${scope}"`);
      const checked = checkIdentity(identity, 'RateLimitService: the identity given');
      const rule = this.scopeList(scope, rules).select(checked.group, '*');
      const plan = this.plans.planFor(rule ? [rule] : []);
      const costs = cost === undefined ? plan.costs : cost === 1 ? undefined : plan.checks.map(() => cost);
      return Promise.resolve(this.count(checked, plan, peek, costs, undefined));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The compiled rules of a service scope, compiled again only when the rules given change. */
  private scopeList(scope: string, rules: Rule[]): RuleList {
    const known = this.scopes.get(scope);
    if (known !== undefined && sameRules(known.rules, rules)) return known.list;
    const label = `RateLimitService scope "${scope}"`;
    validateRules(rules, label);
    const withFunction = rules.findIndex((rule) => typeof rule.cost === 'function');
    if (withFunction !== -1) {
      throw new InvalidRateLimitConfigError(
        `Invalid "cost" in rule ${withFunction} of ${label}: a RateLimitService call has no ExecutionContext to call a cost function with; give the cost of the call instead: consume(identity, { scope, cost }, ...rules).`,
      );
    }
    const list = new RuleList({ kind: 'service', id: scope, label }, rules, this.settings);
    this.scopes.set(scope, { rules, list });
    return list;
  }
}

function sameRules(a: readonly Rule[], b: readonly Rule[]): boolean {
  return a.length === b.length && a.every((rule, i) => JSON.stringify(rule) === JSON.stringify(b[i]));
}
