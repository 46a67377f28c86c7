import type { Identity } from '../auth/rate-limit-auth.interface.js';
import type { LimitInfo } from '../headers/rate-limit-headers.js';
import type { BlockScope, ConsumeResult, LimitCheck } from '../storage/rate-limit-storage.interface.js';
import type { RateLimitInfo } from './rate-limit-info.interface.js';
import type { CompiledLimit, CompiledRule } from './rule-compiler.js';

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
}

interface PlanNode {
  plan?: LimitPlan;
  next: WeakMap<CompiledRule, PlanNode>;
}

/** The plans of every combination of selected rules met so far, as a trie keyed by the (long-lived) compiled rules. */
export class LimitPlans {
  private readonly root: PlanNode = { next: new WeakMap() };

  /** The plan of `rules`, built on first use of the combination and cached. */
  planFor(rules: readonly CompiledRule[]): LimitPlan {
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
  for (const rule of rules) {
    if (rule.limits.length === 0) continue;
    const block = blocks.push(rule.block) - 1;
    let scope = scopes.indexOf(rule.scope);
    if (scope === -1) scope = scopes.push(rule.scope) - 1;
    blockable[scope] = blockable[scope] === true || rule.block.durationMs > 0;
    const shadow = rule.shadow;
    for (const limit of rule.limits) {
      applied.push(limit);
      // Two rules of one zone (or two limits of one window) name the same counter: a request is
      // one hit on it, checked against the stricter limit; an enforced limit wins over a shadow one.
      const same = checks.findIndex((check) => check.key === limit.key);
      if (same !== -1) {
        checkOf.push(same);
        const check = checks[same];
        if (check.shadow !== shadow ? check.shadow : limit.limit < check.limit) {
          checks[same] = { ...check, limit: limit.limit, block, shadow };
        }
        continue;
      }
      checkOf.push(checks.length);
      scopeOf.push(scope);
      checks.push({
        key: limit.key,
        limit: limit.limit,
        windowMs: limit.windowMs,
        algorithm: limit.algorithm,
        block,
        shadow,
      });
    }
  }
  return { applied, checkOf, checks, blocks, scopes, scopeOf, blockable };
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
