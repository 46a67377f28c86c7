import type { Algorithm, ConsumeRequest, ConsumeResult, LimitStatus } from '../../lib/index.js';

/**
 * A deliberately naive model of what every storage must answer, written from the definitions and
 * not from the implementations: fixed window as (start, count), sliding window as the list of
 * admitted hit times, GCRA as a token bucket with a continuous refill. Quadratic and unbounded:
 * only for short test traces, and for limits small enough that the sliding window is exact.
 */

/** What one limit would answer now: its decision, the hits left before this one, and durations (ms). */
interface ModelAnswer {
  admits: boolean;
  /** Hits this limit admits from now on, this one included. */
  left: number;
  /** ms until more quota, as if this hit were counted. */
  resetMs: number;
  /** ms until this limit admits; 0 when it admits now. */
  retryAfterMs: number;
}

interface ModelLimit {
  answer(now: number): ModelAnswer;
  record(now: number): void;
}

class FixedWindowModel implements ModelLimit {
  private start?: number;
  private count = 0;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  answer(now: number): ModelAnswer {
    const open = this.start !== undefined && now < this.start + this.windowMs;
    const used = open ? this.count : 0;
    const resetMs = open ? this.start! + this.windowMs - now : this.windowMs;
    const admits = used < this.limit;
    return { admits, left: Math.max(0, this.limit - used), resetMs, retryAfterMs: admits ? 0 : resetMs };
  }

  record(now: number): void {
    if (this.start === undefined || now >= this.start + this.windowMs) {
      this.start = now;
      this.count = 0;
    }
    this.count++;
  }
}

class SlidingWindowModel implements ModelLimit {
  private readonly hits: number[] = [];
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  answer(now: number): ModelAnswer {
    // A hit at t counts in [t, t + window).
    const live = this.hits.filter((t) => now < t + this.windowMs);
    const admits = live.length < this.limit;
    const leaving = (t: number) => t + this.windowMs - now;
    if (this.limit === 0) return { admits, left: 0, resetMs: this.windowMs, retryAfterMs: this.windowMs };
    return {
      admits,
      left: Math.max(0, this.limit - live.length),
      resetMs: leaving(live[0] ?? now),
      retryAfterMs: admits ? 0 : leaving(live[live.length - this.limit]),
    };
  }

  record(now: number): void {
    this.hits.push(now);
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

  answer(now: number): ModelAnswer {
    const { limit, windowMs } = this;
    if (limit === 0) return { admits: false, left: 0, resetMs: windowMs, retryAfterMs: windowMs };
    const tokens = this.tokensAt(now);
    if (tokens < windowMs) {
      const wait = Math.ceil((windowMs - tokens) / limit);
      return { admits: false, left: 0, resetMs: wait, retryAfterMs: wait };
    }
    const after = tokens - windowMs;
    const remaining = Math.floor(after / windowMs);
    // Next token: when `after` reaches the next whole multiple of the window.
    const resetMs = Math.ceil(((remaining + 1) * windowMs - after) / limit);
    return { admits: true, left: remaining + 1, resetMs, retryAfterMs: 0 };
  }

  record(now: number): void {
    this.tokens = this.tokensAt(now) - this.windowMs;
    this.last = now;
  }
}

const MODELS: Record<Algorithm, new (limit: number, windowMs: number) => ModelLimit> = {
  'fixed-window': FixedWindowModel,
  'sliding-window': SlidingWindowModel,
  gcra: TokenBucketModel,
};

/**
 * The reference storage: answers `ConsumeRequest`s as DESIGN.md section 3 defines them (blocks first,
 * all-or-nothing, a rejecting limit blocks its scope), one model per counter key.
 */
export class ReferenceStorage {
  private readonly counters = new Map<string, ModelLimit>();
  private readonly blocks = new Map<string, number>();

  /** When the identity is blocked in one of the request's scopes: the end of that block (ms timestamp), else 0. */
  blockedUntil(request: ConsumeRequest, now: number): number {
    const { identityKey, blocks } = request;
    const until = Math.max(0, ...blocks.map((scope) => this.blocks.get(identityKey + scope.key) ?? 0));
    return until > now ? until : 0;
  }

  consume(request: ConsumeRequest, now: number): ConsumeResult {
    const { identityKey, limits, blocks } = request;
    const until = this.blockedUntil(request, now);
    if (until > 0) {
      const wait = until - now;
      return {
        allowed: false,
        retryAfterMs: wait,
        blocked: true,
        limits: limits.map(() => ({ remaining: 0, resetMs: wait, retryAfterMs: wait })),
      };
    }
    const models = limits.map((limit) => {
      const key = identityKey + limit.key;
      let model = this.counters.get(key);
      if (model === undefined)
        this.counters.set(key, (model = new MODELS[limit.algorithm](limit.limit, limit.windowMs)));
      return model;
    });
    const answers = models.map((model) => model.answer(now));
    const allowed = answers.every((answer) => answer.admits);
    const counted = allowed && !request.peek;
    const statuses: LimitStatus[] = answers.map((answer) => ({
      remaining: !answer.admits ? 0 : allowed ? answer.left - 1 : answer.left,
      resetMs: answer.resetMs,
      retryAfterMs: answer.retryAfterMs,
    }));
    let retryAfterMs = Math.max(0, ...answers.map((answer) => answer.retryAfterMs));
    let blocked = false;
    if (counted) models.forEach((model) => model.record(now));
    if (!allowed && !request.peek) {
      limits.forEach((limit, i) => {
        const scope = blocks[limit.block];
        if (answers[i].admits || scope.durationMs === 0) return;
        this.blocks.set(identityKey + scope.key, now + scope.durationMs);
        retryAfterMs = Math.max(retryAfterMs, scope.durationMs);
        blocked = true;
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
