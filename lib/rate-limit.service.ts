import { Inject, Injectable } from '@nestjs/common';
import type { Identity } from './auth/rate-limit-auth.interface.js';
import { RATE_LIMIT_SETTINGS, RATE_LIMIT_STORAGE } from './rate-limit.constants.js';
import type { LimitInfo, RateLimitInfo, ResolvedRateLimitOptions } from './rate-limit.options.js';
import { DEFAULT_GROUP, validateRules, type CompiledLimit, type CompiledRule } from './rules/rule-compiler.js';
import { RuleList } from './rules/rule-list.js';
import type { Rule } from './rules/rule.interface.js';
import type {
  BlockScope,
  ConsumeResult,
  LimitCheck,
  RateLimitStorage,
} from './storage/rate-limit-storage.interface.js';
import { identityKey } from './utils/keys.js';
import { then, type MaybePromise } from './utils/maybe-promise.js';

/** Whole seconds, rounded up, from ms: never earlier than the true time. */
export const toSeconds = (ms: number): number => Math.ceil(ms / 1000);

/**
 * Rate limiting outside HTTP (queues, WebSocket handlers, CLI jobs) with the module's storage,
 * and the counting engine the guard uses. Inject it anywhere once `RateLimitModule` is imported.
 */
@Injectable()
export class RateLimitService {
  private readonly scopes = new Map<string, { rules: readonly Rule[]; list: RuleList }>();
  /** Plans per combination of selected rules, as a trie keyed by the (long-lived) compiled rules. */
  private readonly plans: PlanNode = { next: new WeakMap() };

  constructor(
    @Inject(RATE_LIMIT_SETTINGS) private readonly settings: ResolvedRateLimitOptions,
    @Inject(RATE_LIMIT_STORAGE) private readonly storage: RateLimitStorage,
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

  /** Forgets every counter and block of `user`, in every scope. */
  async reset(user: string): Promise<void> {
    await this.storage.reset(identityKey(this.settings.keyPrefix, user));
  }

  /**
   * Checks and (unless `peek`) counts one hit of `identity` against the limits of `rules`, in one
   * storage call. Rules without limits are ignored; with no limit at all the hit is allowed.
   * Answers synchronously when the storage does (MemoryStorage), else with a promise.
   */
  limit(identity: Required<Identity>, rules: readonly CompiledRule[], peek = false): MaybePromise<RateLimitInfo> {
    const plan = this.plan(rules);
    if (plan.checks.length === 0) return { identity, allowed: true, retryAfter: 0, blocked: false, limits: [] };
    const answer = this.storage.consume({
      identityKey: identityKey(this.settings.keyPrefix, identity.user),
      limits: plan.checks,
      blocks: plan.blocks,
      peek,
    });
    return then(answer, (result) => report(identity, plan, result));
  }

  /** The storage checks of a combination of rules, built once per combination and cached. */
  private plan(rules: readonly CompiledRule[]): LimitPlan {
    let node = this.plans;
    for (const rule of rules) {
      let next = node.next.get(rule);
      if (next === undefined) node.next.set(rule, (next = { next: new WeakMap() }));
      node = next;
    }
    return (node.plan ??= buildPlan(rules));
  }

  private run(identity: Identity, scope: string, rules: Rule[], peek: boolean): Promise<RateLimitInfo> {
    try {
      const group = identity.group ?? DEFAULT_GROUP;
      const rule = this.scopeList(scope, rules).select(group, '*');
      return Promise.resolve(this.limit({ user: String(identity.user), group }, rule ? [rule] : [], peek));
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

/** What one combination of selected rules asks of the storage; built once, read-only after. */
interface LimitPlan {
  /** Every limit of the rules, in order (what the headers report). */
  applied: readonly CompiledLimit[];
  /** For each applied limit, the index of its check: limits on one counter share one check. */
  checkOf: readonly number[];
  checks: readonly LimitCheck[];
  blocks: readonly BlockScope[];
}

interface PlanNode {
  plan?: LimitPlan;
  next: WeakMap<CompiledRule, PlanNode>;
}

function buildPlan(rules: readonly CompiledRule[]): LimitPlan {
  const applied: CompiledLimit[] = [];
  const checkOf: number[] = [];
  const checks: LimitCheck[] = [];
  const blocks: BlockScope[] = [];
  for (const rule of rules) {
    if (rule.limits.length === 0) continue;
    const block = blocks.push(rule.block) - 1;
    for (const limit of rule.limits) {
      applied.push(limit);
      // Two rules of one zone (or two limits of one window) name the same counter: a request is
      // one hit on it, checked against the stricter limit.
      const same = checks.findIndex((check) => check.key === limit.key);
      if (same !== -1) {
        checkOf.push(same);
        if (limit.limit < checks[same].limit) checks[same] = { ...checks[same], limit: limit.limit, block };
        continue;
      }
      checkOf.push(checks.length);
      checks.push({ key: limit.key, limit: limit.limit, windowMs: limit.windowMs, algorithm: limit.algorithm, block });
    }
  }
  return { applied, checkOf, checks, blocks };
}

/** The outcome of one storage answer, per applied limit. */
function report(identity: Required<Identity>, { applied, checkOf }: LimitPlan, result: ConsumeResult): RateLimitInfo {
  const limits: LimitInfo[] = new Array(applied.length);
  for (let i = 0; i < applied.length; i++) {
    const status = result.limits[checkOf[i]];
    limits[i] = {
      name: applied[i].name,
      limit: applied[i].limit,
      window: applied[i].windowSeconds,
      remaining: status.remaining,
      reset: toSeconds(status.resetMs),
    };
  }
  return {
    identity,
    allowed: result.allowed,
    retryAfter: result.allowed ? 0 : Math.max(1, toSeconds(result.retryAfterMs)),
    blocked: result.blocked,
    limits,
  };
}
