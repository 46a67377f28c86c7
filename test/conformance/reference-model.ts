import type { Algorithm, ConsumeRequest, ConsumeResult, LimitStatus } from '../../lib/index.js';

/**
 * A deliberately naive model of what every storage must answer, written from the definitions and
 * not from the implementations: fixed window as (start, count), sliding window as the list of
 * admitted hit times, GCRA as a token bucket with a continuous refill. Quadratic and unbounded:
 * only for short test traces, and for limits small enough that the sliding window is exact.
 */

/** What one limit would answer now to `cost` hits: its decision, the hits left before them, and durations (ms). */
interface ModelAnswer {
  admits: boolean;
  /** Hits this limit admits from now on, this request's included. */
  left: number;
  /** ms until more quota, as if this request were counted. */
  resetMs: number;
  /** ms until this limit admits; 0 when it admits now. */
  retryAfterMs: number;
}

interface ModelLimit {
  answer(now: number, cost: number): ModelAnswer;
  record(now: number, cost: number): void;
}

/** A limit of 0 and a cost above the limit can never be admitted: rejected for one window. */
const never = (windowMs: number): ModelAnswer => ({
  admits: false,
  left: 0,
  resetMs: windowMs,
  retryAfterMs: windowMs,
});

class FixedWindowModel implements ModelLimit {
  private start?: number;
  private count = 0;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  answer(now: number, cost: number): ModelAnswer {
    if (this.limit === 0 || cost > this.limit) return never(this.windowMs);
    const open = this.start !== undefined && now < this.start + this.windowMs;
    const used = open ? this.count : 0;
    const resetMs = open ? this.start! + this.windowMs - now : this.windowMs;
    const admits = used + cost <= this.limit;
    return { admits, left: Math.max(0, this.limit - used), resetMs, retryAfterMs: admits ? 0 : resetMs };
  }

  record(now: number, cost: number): void {
    if (this.start === undefined || now >= this.start + this.windowMs) {
      this.start = now;
      this.count = 0;
    }
    this.count += cost;
  }
}

class SlidingWindowModel implements ModelLimit {
  private readonly hits: number[] = [];
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  answer(now: number, cost: number): ModelAnswer {
    if (this.limit === 0 || cost > this.limit) return never(this.windowMs);
    // A hit at t counts in [t, t + window).
    const live = this.hits.filter((t) => now < t + this.windowMs);
    const admits = live.length + cost <= this.limit;
    const leaving = (t: number) => t + this.windowMs - now;
    if (admits) return { admits, left: this.limit - live.length, resetMs: leaving(live[0] ?? now), retryAfterMs: 0 };
    // Admitted once `live + cost - limit` of the live hits have left: then there is room again.
    const wait = leaving(live[live.length + cost - this.limit - 1]);
    return { admits, left: Math.max(0, this.limit - live.length), resetMs: wait, retryAfterMs: wait };
  }

  record(now: number, cost: number): void {
    for (let i = 0; i < cost; i++) this.hits.push(now);
  }
}

/** Token bucket: `limit` tokens, refilled continuously at `limit` per window. Tokens are kept times `windowMs`. */
class TokenBucketModel implements ModelLimit {
  private tokens: number;
  private last?: number;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.tokens = limit * windowMs;
  }

  private tokensAt(now: number): number {
    const refilled = this.last === undefined ? 0 : (now - this.last) * this.limit;
    return Math.min(this.limit * this.windowMs, this.tokens + refilled);
  }

  answer(now: number, cost: number): ModelAnswer {
    const { limit, windowMs } = this;
    if (limit === 0 || cost > limit) return never(windowMs);
    const tokens = this.tokensAt(now);
    if (tokens < cost * windowMs) {
      const wait = Math.ceil((cost * windowMs - tokens) / limit);
      return { admits: false, left: 0, resetMs: wait, retryAfterMs: wait };
    }
    const after = tokens - cost * windowMs;
    const remaining = Math.floor(after / windowMs);
    // Next token: when `after` reaches the next whole multiple of the window.
    const resetMs = Math.ceil(((remaining + 1) * windowMs - after) / limit);
    return { admits: true, left: remaining + cost, resetMs, retryAfterMs: 0 };
  }

  record(now: number, cost: number): void {
    this.tokens = this.tokensAt(now) - cost * this.windowMs;
    this.last = now;
  }
}

const MODELS: Record<Algorithm, new (limit: number, windowMs: number) => ModelLimit> = {
  'fixed-window': FixedWindowModel,
  'sliding-window': SlidingWindowModel,
  gcra: TokenBucketModel,
};

/**
 * The reference storage: answers `ConsumeRequest`s as DESIGN.md sections 3, 9 and 10 define them
 * (blocks first, all-or-nothing, costs, shadow limits that never reject, a rejecting limit blocks
 * its scope), one model per counter key.
 */
export class ReferenceStorage {
  private readonly counters = new Map<string, ModelLimit>();
  private readonly blocks = new Map<string, number>();

  /** ms left of the block of each scope of the request (0: not blocked there). */
  private blockLeft(request: ConsumeRequest, now: number): number[] {
    return request.blocks.map((scope) => Math.max(0, (this.blocks.get(request.identityKey + scope.key) ?? 0) - now));
  }

  /** When the identity is blocked in one of the request's scopes: the end of that block (ms timestamp), else 0. */
  blockedUntil(request: ConsumeRequest, now: number): number {
    const left = Math.max(0, ...this.blockLeft(request, now));
    return left > 0 ? now + left : 0;
  }

  consume(request: ConsumeRequest, now: number): ConsumeResult {
    const { identityKey, limits, blocks } = request;
    const costs = request.costs ?? limits.map(() => 1);
    const left = this.blockLeft(request, now);
    if (left.some((ms) => ms > 0)) {
      // Limits of a blocked scope have no quota until the block ends; the others are not read.
      return {
        allowed: false,
        retryAfterMs: Math.max(...left),
        blocked: true,
        limits: limits.map((limit) => {
          const ms = left[limit.block];
          return ms > 0
            ? { remaining: 0, resetMs: ms, retryAfterMs: ms }
            : { remaining: 0, resetMs: 0, retryAfterMs: 0, unknown: true };
        }),
      };
    }
    const models = limits.map((limit) => {
      const key = identityKey + limit.key;
      let model = this.counters.get(key);
      if (model === undefined)
        this.counters.set(key, (model = new MODELS[limit.algorithm](limit.limit, limit.windowMs)));
      return model;
    });
    const answers = models.map((model, i) => model.answer(now, costs[i]));
    const allowed = answers.every((answer, i) => answer.admits || limits[i].shadow === true);
    const statuses: LimitStatus[] = answers.map((answer, i) => ({
      remaining: !answer.admits ? 0 : allowed ? answer.left - costs[i] : answer.left,
      resetMs: answer.resetMs,
      retryAfterMs: answer.retryAfterMs,
    }));
    let retryAfterMs = Math.max(0, ...answers.map((answer, i) => (limits[i].shadow ? 0 : answer.retryAfterMs)));
    let blocked = false;
    if (allowed && !request.peek) {
      models.forEach((model, i) => {
        if (answers[i].admits && costs[i] > 0) model.record(now, costs[i]);
      });
    }
    if (!allowed && !request.peek) {
      const blockedScopes = new Set<number>();
      limits.forEach((limit, i) => {
        const scope = blocks[limit.block];
        if (answers[i].admits || limit.shadow || scope.durationMs === 0) return;
        this.blocks.set(identityKey + scope.key, now + scope.durationMs);
        retryAfterMs = Math.max(retryAfterMs, scope.durationMs);
        blockedScopes.add(limit.block);
        blocked = true;
      });
      limits.forEach((limit, i) => {
        const { durationMs } = blocks[limit.block];
        if (blockedScopes.has(limit.block))
          statuses[i] = { remaining: 0, resetMs: durationMs, retryAfterMs: durationMs };
      });
    }
    return { allowed, retryAfterMs, blocked, limits: statuses };
  }

  reset(identityKey: string): void {
    for (const map of [this.counters, this.blocks]) {
      for (const key of [...map.keys()]) if (key.startsWith(identityKey + ':')) map.delete(key);
    }
  }
}
