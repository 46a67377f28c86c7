import { Inject, Injectable, Optional, type ExecutionContext } from '@nestjs/common';
import type { IdentifyFunction } from './auth/identify.js';
import { checkIdentity, type ResolvedIdentity } from './auth/identity.js';
import type { Identity } from './auth/rate-limit-auth.interface.js';
import type { DecisionRecorder } from './observability/decision-recorder.js';
import type { ResolvedRateLimitOptions } from './rate-limit.options.js';
import {
  RATE_LIMIT_DECISIONS,
  RATE_LIMIT_IDENTIFY,
  RATE_LIMIT_SETTINGS,
  RATE_LIMIT_STORAGE,
} from './rate-limit.tokens.js';
import { LimitPlans, report } from './rules/limit-plan.js';
import type { RateLimitInfo } from './rules/rate-limit-info.interface.js';
import { validateRules, type CompiledRule } from './rules/rule-compiler.js';
import { RuleList } from './rules/rule-list.js';
import type { Rule } from './rules/rule.interface.js';
import type { RateLimitStorage } from './storage/rate-limit-storage.interface.js';
import { identityKey } from './utils/keys.js';
import { andThen, type MaybePromise } from './utils/maybe-promise.js';

/**
 * Rate limiting outside HTTP (queues, WebSocket handlers, CLI jobs) with the module's storage,
 * and the counting engine the guard uses. Inject it anywhere once `RateLimitModule` is imported.
 */
@Injectable()
export class RateLimitService {
  private readonly scopes = new Map<string, { rules: readonly Rule[]; list: RuleList }>();
  private readonly plans = new LimitPlans();

  constructor(
    @Inject(RATE_LIMIT_SETTINGS) private readonly settings: ResolvedRateLimitOptions,
    @Inject(RATE_LIMIT_STORAGE) private readonly storage: RateLimitStorage,
    @Optional() @Inject(RATE_LIMIT_IDENTIFY) private readonly identify?: IdentifyFunction,
    @Optional() @Inject(RATE_LIMIT_DECISIONS) private readonly decisions: DecisionRecorder | null = null,
  ) {}

  /**
   * Counts one hit of `identity` in `scope` against `rules` (first rule for the identity's group,
   * as in the config) and returns the outcome; nothing is counted when it is rejected.
   * @example `const { allowed, retryAfter } = await service.consume({ user: id }, 'export-job', { hour: 5 })`
   */
  consume(identity: Identity, scope: string, ...rules: Rule[]): Promise<RateLimitInfo> {
    return this.run(identity, scope, rules, false);
  }

  /** Like `consume`, but only reports whether a hit would be admitted; counts nothing. */
  check(identity: Identity, scope: string, ...rules: Rule[]): Promise<RateLimitInfo> {
    return this.run(identity, scope, rules, true);
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
   * Checks and (unless `peek`) counts one hit of `identity` against the limits of `rules` (compiled
   * rules, as `RateLimitGuard.selectRules` returns them), in one storage call. Rules without limits
   * are ignored; with no limit at all the hit is allowed. Answers synchronously when the storage
   * does (MemoryStorage), else with a promise. Every counted call (not a peek) goes to the metrics
   * and `onDecision`, with `context` (the guard's call; the module's `dryRun` applies to those only).
   */
  limit(
    identity: ResolvedIdentity,
    rules: readonly CompiledRule[],
    peek = false,
    context?: ExecutionContext,
  ): MaybePromise<RateLimitInfo> {
    const plan = this.plans.planFor(rules);
    if (plan.checks.length === 0) return { identity, allowed: true, retryAfter: 0, blocked: false, limits: [] };
    const answer = this.storage.consume({
      identityKey: identityKey(this.settings.keyPrefix, identity.user, identity.namespace),
      limits: plan.checks,
      blocks: plan.blocks,
      peek,
    });
    return andThen(answer, (result) => {
      const info = report(identity, plan, result);
      if (this.decisions !== null && !peek) this.decisions.record(plan, result, info, context);
      return info;
    });
  }

  private run(identity: Identity, scope: string, rules: Rule[], peek: boolean): Promise<RateLimitInfo> {
    try {
      const checked = checkIdentity(identity, 'RateLimitService: the identity given');
      const rule = this.scopeList(scope, rules).select(checked.group, '*');
      return Promise.resolve(this.limit(checked, rule ? [rule] : [], peek));
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
    const list = new RuleList({ kind: 'service', id: scope, label }, rules, this.settings);
    this.scopes.set(scope, { rules, list });
    return list;
  }
}

function sameRules(a: readonly Rule[], b: readonly Rule[]): boolean {
  return a.length === b.length && a.every((rule, i) => JSON.stringify(rule) === JSON.stringify(b[i]));
}
