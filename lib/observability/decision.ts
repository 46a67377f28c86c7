import type { ExecutionContext } from '@nestjs/common';
import type { Identity } from '../auth/rate-limit-auth.interface.js';
import type { LimitInfo } from '../headers/rate-limit-headers.js';
import { toSeconds, type LimitPlan } from '../rules/limit-plan.js';
import type { ConsumeResult } from '../storage/rate-limit-storage.interface.js';

/** What became of a call, in `onDecision` and in the `decision` label of `ratelimit_requests_total`. */
export const DECISIONS = ['allowed', 'rejected', 'blocked', 'dry_run'] as const;

/**
 * `allowed`: every limit had room. `rejected`: a limit rejected the call. `blocked`: rejected because
 * the caller is blocked (`blockTime`). `dry_run`: a limit would have rejected it, but it went through
 * (the module's `dryRun`, or only shadow rules, `dryRun: true`, had no room).
 */
export type DecisionKind = (typeof DECISIONS)[number];

/** Indexes into `DECISIONS`; `NOT_COUNTED` for a scope a rejected call consumed nothing in. */
export const ALLOWED = 0;
export const REJECTED = 1;
export const BLOCKED = 2;
export const DRY_RUN = 3;
export const NOT_COUNTED = -1;

/** What one scope decided about a call (one `ratelimit_requests_total` increment). */
export interface ScopeDecision {
  /** The scope label: `pattern:<pattern>`, `route:<route>`, `zone:<zone>` or `service:<scope>`. */
  scope: string;
  decision: DecisionKind;
}

/** The event `onDecision` receives once per limited request or `RateLimitService.consume` call. */
export interface RateLimitDecision {
  /** The call being limited; undefined for `RateLimitService.consume`. */
  context?: ExecutionContext;
  identity: Required<Identity>;
  /** True when the call goes through (also when only dry run let it). */
  allowed: boolean;
  /** True when a block (`blockTime`) rejects the call, or would have under dry run. */
  blocked: boolean;
  /** True when a limit would have rejected the call but dry run (module or shadow rule) let it through. */
  dryRun: boolean;
  /** Seconds (whole, rounded up) the caller must wait, or would have had to without dry run; 0 otherwise. */
  retryAfter: number;
  /** Where each applied limit stands (shadow limits included), as the headers report them. */
  limits: LimitInfo[];
  /** The call's outcome in one word, as the metrics count it. */
  decision: DecisionKind;
  /**
   * The decision of each scope that counted the call, exactly what `ratelimit_requests_total` counts.
   * A scope whose limits had room is absent when another scope rejected the call (it consumed nothing there).
   */
  scopes: ScopeDecision[];
}

/**
 * Decides, for each scope of `plan`, how the call counts there (an index into `DECISIONS`, or
 * `NOT_COUNTED`, written into `out[0 .. plan.scopes.length - 1]`), and returns the call's own decision. `dryRun`: the module's
 * option applies (the guard's calls).
 * - Admitted: allowed in every scope, but dry_run in a shadow rule's scope that had no room.
 * - Rejected by limits: rejected in the scopes whose limits had no room (dry_run under the
 *   module's `dryRun`; a full shadow scope says dry_run); nothing in the others, which counted nothing.
 * - Blocked: blocked in the scopes that can block (`blockTime`), those with a full limit if any
 *   (a standing block reports every limit as full, so the limits tell nothing more); nothing elsewhere.
 */
export function decide(plan: LimitPlan, result: ConsumeResult, dryRun: boolean, out: number[]): number {
  const { checks, scopeOf, blockable } = plan;
  const scopes = plan.scopes.length;
  const limits = result.limits;
  if (result.allowed) {
    // The hot path: nothing to allocate, one pass over the scopes and one over the checks.
    for (let s = 0; s < scopes; s++) out[s] = ALLOWED;
    let shadowed = false;
    for (let i = 0; i < checks.length; i++) {
      if (limits[i].retryAfterMs === 0) continue; // only a shadow limit can be full on an admitted call
      out[scopeOf[i]] = DRY_RUN;
      shadowed = true;
    }
    return shadowed ? DRY_RUN : ALLOWED;
  }
  for (let s = 0; s < scopes; s++) out[s] = NOT_COUNTED;
  for (let i = 0; i < checks.length; i++) {
    if (limits[i].retryAfterMs === 0) continue;
    const scope = scopeOf[i];
    if (!checks[i].shadow) out[scope] = REJECTED;
    else if (out[scope] === NOT_COUNTED) out[scope] = DRY_RUN;
  }
  const outcome = dryRun ? DRY_RUN : result.blocked ? BLOCKED : REJECTED;
  const byBlock = result.blocked && blockable.includes(true);
  let named = false; // some scope is named by its limits (or by its block)
  for (let s = 0; s < scopes; s++) {
    if (byBlock && !blockable[s]) out[s] = NOT_COUNTED;
    else if (out[s] === REJECTED) named = true;
    else if (byBlock) out[s] = NOT_COUNTED;
  }
  for (let s = 0; s < scopes; s++) {
    if (out[s] === REJECTED || (!named && out[s] === NOT_COUNTED && (!byBlock || blockable[s]))) out[s] = outcome;
  }
  return outcome;
}

/** Seconds (whole, rounded up) until every limit of an admitted call has room again: what shadow limits would have made it wait. */
export function shadowWaitSeconds(result: ConsumeResult): number {
  let waitMs = 0;
  for (const status of result.limits) if (status.retryAfterMs > waitMs) waitMs = status.retryAfterMs;
  return toSeconds(waitMs);
}
