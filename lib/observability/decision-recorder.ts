import { Logger, type ExecutionContext } from '@nestjs/common';
import type { LimitPlan } from '../rules/limit-plan.js';
import type { RateLimitInfo } from '../rules/rate-limit-info.interface.js';
import type { ConsumeResult } from '../storage/rate-limit-storage.interface.js';
import { isPromise } from '../utils/maybe-promise.js';
import {
  decide,
  DECISIONS,
  DRY_RUN,
  NOT_COUNTED,
  shadowWaitSeconds,
  type RateLimitDecision,
  type ScopeDecision,
} from './decision.js';

/** Counts the decisions of scopes (the metrics): `decisions[i]` for `scopes[i]`, an index into `DECISIONS` or -1 (`decisions` may be longer). */
export interface DecisionCounter {
  count(scopes: readonly string[], decisions: readonly number[]): void;
}

/** The `onDecision` option. */
export type OnDecision = (event: RateLimitDecision) => unknown;

/** After a failure of `onDecision` is logged, further ones are only counted for this long (ms). */
const QUIET_MS = 60_000;

/**
 * Where every decision of `RateLimitService.limit` goes (the guard's and `consume`'s): the metrics
 * and `onDecision`. Built only when one of them is configured; without both, nothing runs per call.
 */
export class DecisionRecorder {
  /** Per-scope decisions of the call being recorded; reused, `record` is synchronous. */
  private readonly decisions: number[] = [];
  private failures = 0;
  private quietUntil = 0;

  constructor(
    private readonly counter: DecisionCounter | undefined,
    private readonly onDecision: OnDecision | undefined,
    /** The module's `dryRun`: it applies to calls with a context (the guard's), not to `RateLimitService.consume`. */
    private readonly dryRun: boolean,
    private readonly logger: Pick<Logger, 'error'> = new Logger('RateLimitModule'),
  ) {}

  /** Counts the outcome of one storage answer and tells `onDecision`, which is never awaited. */
  record(plan: LimitPlan, result: ConsumeResult, info: RateLimitInfo, context: ExecutionContext | undefined): void {
    const decisions = this.decisions;
    const decision = decide(plan, result, this.dryRun && context !== undefined, decisions);
    this.counter?.count(plan.scopes, decisions);
    if (this.onDecision === undefined) return;
    const scopes: ScopeDecision[] = [];
    for (let s = 0; s < plan.scopes.length; s++) {
      if (decisions[s] !== NOT_COUNTED) scopes.push({ scope: plan.scopes[s], decision: DECISIONS[decisions[s]] });
    }
    const dryRun = decision === DRY_RUN;
    const event: RateLimitDecision = {
      context,
      identity: info.identity,
      allowed: info.allowed || dryRun,
      blocked: info.blocked,
      dryRun,
      retryAfter: !info.allowed ? info.retryAfter : dryRun ? shadowWaitSeconds(result) : 0,
      limits: info.limits,
      decision: DECISIONS[decision],
      scopes,
    };
    try {
      const returned = this.onDecision(event);
      if (isPromise(returned)) returned.then(undefined, (error: unknown) => this.failed(error));
    } catch (error) {
      this.failed(error);
    }
  }

  /** Logs a failure of `onDecision`: the first at once, then at most one line a minute with the count. */
  private failed(error: unknown): void {
    this.failures++;
    const now = Date.now();
    if (now < this.quietUntil) return;
    const more = this.failures - 1;
    this.logger.error(
      `onDecision threw (the request was not affected)${more > 0 ? `, and ${more} more time(s) since the last report` : ''}: ` +
        `${error instanceof Error ? error.message : String(error)}; further failures are reported at most once a minute.`,
      error instanceof Error ? error.stack : undefined,
    );
    this.failures = 0;
    this.quietUntil = now + QUIET_MS;
  }
}
