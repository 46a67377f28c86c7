import type { ExecutionContext } from '@nestjs/common';
import type { Identity } from '../auth/rate-limit-auth.interface.js';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import { draftPolicy, type DraftPolicy, type LimitInfo } from '../headers/rate-limit-headers.js';
import type { BlockScope, ConsumeResult, LimitCheck } from '../storage/rate-limit-storage.interface.js';
import { propertyName } from '../utils/keys.js';
import { isPromise, type MaybePromise } from '../utils/maybe-promise.js';
import type { RateLimitInfo } from './rate-limit-info.interface.js';
import type { CompiledCost, CompiledLimit, CompiledRule } from './rule-compiler.js';

/** Whole seconds, rounded up, from ms: never earlier than the true time. */
export const toSeconds = (ms: number): number => Math.ceil(ms / 1000);

/** What one combination of selected rules asks of the storage; built once, read-only after. */
export interface LimitPlan {
  /** Every limit of the rules, in order (what the headers report). */
  applied: readonly CompiledLimit[];
  /** For each applied limit, the index of its check: limits on one counter share one check. */
  checkOf: readonly number[];
  checks: readonly LimitCheck[];
  blocks: readonly BlockScope[];
  /** The distinct `scope` labels of the rules (metrics, `onDecision`). */
  scopes: readonly string[];
  /** For each check, the index of its scope in `scopes`. */
  scopeOf: readonly number[];
  /** For each scope, whether one of its rules has a block time. */
  blockable: readonly boolean[];
  /**
   * Hits per check (`ConsumeRequest.costs`) from the rules' number costs: per counter the largest
   * of the rules naming it (0 where only cost functions do); undefined when every rule's cost is 1.
   */
  costs: readonly number[] | undefined;
  /** The rules' cost functions, each with the checks it counts in; undefined when every cost is a number. */
  costFunctions: readonly PlanCostFunction[] | undefined;
  /** The draft headers' policy of `applied`. */
  policy: DraftPolicy;
}

/** A cost function of a plan's rule and the indexes of the checks that rule's limits use. */
export interface PlanCostFunction {
  cost: CompiledCost;
  checks: readonly number[];
}

/**
 * Where a compiled rule keeps the plan of itself alone: one property read instead of a lookup.
 * A plan depends only on its rules, so every `LimitPlans` may share it.
 */
const PLAN_OF_RULE = Symbol('plan of this rule alone');

type WithPlan = CompiledRule & { [PLAN_OF_RULE]?: LimitPlan };

interface PlanNode {
  plan?: LimitPlan;
  next: WeakMap<CompiledRule, PlanNode>;
}

/**
 * The plans of every combination of selected rules met so far, as a trie keyed by the (long-lived)
 * compiled rules; the plan of one rule (most calls) is kept with the rule itself.
 */
export class LimitPlans {
  private readonly root: PlanNode = { next: new WeakMap() };

  /** The plan of `rules`, built on first use of the combination and cached. */
  planFor(rules: readonly CompiledRule[]): LimitPlan {
    if (rules.length === 1) return ((rules[0] as WithPlan)[PLAN_OF_RULE] ??= buildPlan(rules));
    let node = this.root;
    for (const rule of rules) {
      let next = node.next.get(rule);
      if (next === undefined) node.next.set(rule, (next = { next: new WeakMap() }));
      node = next;
    }
    return (node.plan ??= buildPlan(rules));
  }
}

function buildPlan(rules: readonly CompiledRule[]): LimitPlan {
  const applied: CompiledLimit[] = [];
  const checkOf: number[] = [];
  const checks: LimitCheck[] = [];
  const blocks: BlockScope[] = [];
  const scopes: string[] = [];
  const scopeOf: number[] = [];
  const blockable: boolean[] = [];
  const costs: number[] = []; // per check: the largest number cost of the rules naming it
  const costFunctions: PlanCostFunction[] = [];
  for (const rule of rules) {
    if (rule.limits.length === 0) continue;
    const block = blocks.push({ key: propertyName(rule.block.key), durationMs: rule.block.durationMs }) - 1;
    let scope = scopes.indexOf(rule.scope);
    if (scope === -1) scope = scopes.push(rule.scope) - 1;
    blockable[scope] = blockable[scope] === true || rule.block.durationMs > 0;
    const shadow = rule.shadow;
    const ruleChecks: number[] = [];
    for (const limit of rule.limits) {
      applied.push(limit);
      // Two rules of one zone (or two limits of one window) name the same counter: a request is
      // one hit on it (of the larger cost), checked against the stricter limit; an enforced limit
      // wins over a shadow one.
      const key = propertyName(limit.key);
      let check = checks.findIndex((known) => known.key === key);
      if (check === -1) {
        check =
          checks.push({
            key,
            limit: limit.limit,
            windowMs: limit.windowMs,
            algorithm: limit.algorithm,
            block,
            shadow,
          }) - 1;
        scopeOf.push(scope);
        costs.push(0);
      } else {
        const known = checks[check];
        if (known.shadow !== shadow ? known.shadow : limit.limit < known.limit) {
          checks[check] = { ...known, limit: limit.limit, block, shadow };
        }
      }
      checkOf.push(check);
      if (!ruleChecks.includes(check)) ruleChecks.push(check);
    }
    if (typeof rule.cost === 'function') costFunctions.push({ cost: rule.cost, checks: ruleChecks });
    else for (const check of ruleChecks) costs[check] = Math.max(costs[check], rule.cost);
  }
  const dynamic = costFunctions.length > 0;
  return {
    applied,
    checkOf,
    checks,
    blocks,
    scopes,
    scopeOf,
    blockable,
    costs: !dynamic && costs.every((cost) => cost === 1) ? undefined : costs,
    costFunctions: dynamic ? costFunctions : undefined,
    policy: draftPolicy(applied.map(({ name, limit, windowSeconds }) => ({ name, limit, window: windowSeconds }))),
  };
}

/**
 * The hits of one request per check of `plan` (`ConsumeRequest.costs`): the plan's own when every
 * cost is a number, else with the rules' cost functions called on `context` (a promise only when
 * one of them answers with one). Per counter, the largest cost of the rules naming it.
 */
export function costsOf(
  plan: LimitPlan,
  context: ExecutionContext | undefined,
): MaybePromise<readonly number[] | undefined> {
  const { costFunctions } = plan;
  if (costFunctions === undefined) return plan.costs;
  if (context === undefined) {
    throw new InvalidRateLimitConfigError(
      'A rule with a cost function was checked without an ExecutionContext to call it with; give the cost as a number.',
    );
  }
  const values = costFunctions.map(({ cost }) => cost(context));
  return values.some(isPromise)
    ? Promise.all(values).then((resolved) => mergeCosts(plan, costFunctions, resolved))
    : mergeCosts(plan, costFunctions, values as number[]);
}

function mergeCosts(plan: LimitPlan, functions: readonly PlanCostFunction[], values: readonly number[]): number[] {
  const costs = plan.costs!.slice();
  for (let i = 0; i < functions.length; i++) {
    for (const check of functions[i].checks) if (values[i] > costs[check]) costs[check] = values[i];
  }
  return costs;
}

/** The outcome of one storage answer, per applied limit. */
export function report(
  identity: Required<Identity>,
  { applied, checkOf }: LimitPlan,
  result: ConsumeResult,
): RateLimitInfo {
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
    if (status.unknown) limits[i].unknown = true;
  }
  return {
    identity,
    allowed: result.allowed,
    retryAfter: result.allowed ? 0 : Math.max(1, toSeconds(result.retryAfterMs)),
    blocked: result.blocked,
    limits,
  };
}
