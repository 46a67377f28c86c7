import type { Algorithm, LimitStatus } from '../../lib/index.js';
import type { LimitSpec } from './storage-conformance.js';

/** One request of an edge case, sent after `advanceMs`, and what every storage must answer. */
export interface EdgeStep {
  advanceMs?: number;
  limits: LimitSpec[];
  /** Sends the request this many times (default 1), checking only the last answer. */
  times?: number;
  peek?: boolean;
  expect: {
    allowed?: boolean;
    blocked?: boolean;
    retryAfterMs?: number;
    limits?: Partial<LimitStatus>[];
  };
}

export interface EdgeCase {
  name: string;
  algorithm: Algorithm;
  steps: EdgeStep[];
}

const MINUTE = 60_000;
/** A limit that blocks its scope `a` for 5 s, and one of scope `b`. */
const BLOCKING_AND_OTHER: LimitSpec[] = [
  { limit: 1, windowMs: 1000, scope: 'a', blockMs: 5000 },
  { limit: 100, windowMs: MINUTE, scope: 'b' },
];
/** A shadow limit of 2 (with a block time it never applies) and a real limit of 5. */
const SHADOW_AND_REAL: LimitSpec[] = [
  { limit: 2, windowMs: MINUTE, scope: 'shadow', shadow: true, blockMs: 5000 },
  { limit: 5, windowMs: MINUTE },
];
const ALGORITHMS: Algorithm[] = ['fixed-window', 'sliding-window', 'gcra'];
const each = (make: (algorithm: Algorithm) => Omit<EdgeCase, 'algorithm'>): EdgeCase[] =>
  ALGORITHMS.map((algorithm) => ({ ...make(algorithm), name: `${algorithm}: ${make(algorithm).name}`, algorithm }));

/**
 * The edge cases every storage (MemoryStorage, Redis, Redis Cluster) and every algorithm (the
 * TypeScript and the Lua of `lib/algorithms/<name>.algorithm.ts`) must answer alike, exactly.
 */
export const EDGE_CASES: EdgeCase[] = [
  // A limit lowered to 0 (a deploy, or two rules of one zone) on a counter that already has state:
  // rejected for a whole window, whatever the state (the Lua fixed window once answered 50 s here).
  ...each(() => ({
    name: 'limit 0 on a counter that already has state rejects with the whole window',
    steps: [
      { limits: [{ limit: 5, windowMs: MINUTE }], expect: { allowed: true } },
      {
        advanceMs: 10_000,
        limits: [{ limit: 0, windowMs: MINUTE }],
        expect: {
          allowed: false,
          retryAfterMs: MINUTE,
          limits: [{ remaining: 0, resetMs: MINUTE, retryAfterMs: MINUTE }],
        },
      },
    ],
  })),
  ...each((algorithm) => ({
    name: 'a lowered limit rejects a counter already above it',
    steps: [
      { limits: [{ limit: 10, windowMs: MINUTE }], times: 4, expect: { allowed: true } },
      {
        advanceMs: 1000,
        limits: [{ limit: 1, windowMs: MINUTE }],
        // Fixed window: until it closes; sliding: until the 4 hits leave; GCRA: the TAT (24 s at
        // 10/min) plus one 60 s interval at 1/min is 84 s, 23 s beyond the window from now.
        expect: { allowed: false, retryAfterMs: algorithm === 'gcra' ? 23_000 : 59_000 },
      },
    ],
  })),
  {
    name: 'gcra: the remainder of a fractional interval at the limit (7 per second: 142 6/7 ms a hit)',
    algorithm: 'gcra',
    steps: [
      {
        limits: [{ limit: 7, windowMs: 1000 }],
        times: 7,
        expect: { allowed: true, limits: [{ remaining: 0, resetMs: 143 }] },
      },
      { limits: [{ limit: 7, windowMs: 1000 }], expect: { allowed: false, retryAfterMs: 143 } },
      { advanceMs: 142, limits: [{ limit: 7, windowMs: 1000 }], expect: { allowed: false, retryAfterMs: 1 } },
      {
        advanceMs: 1,
        limits: [{ limit: 7, windowMs: 1000 }],
        expect: { allowed: true, limits: [{ remaining: 0, resetMs: 143 }] },
      },
      // 2 hits at 142 6/7 ms: the next at 285 5/7 ms from the second.
      { advanceMs: 142, limits: [{ limit: 7, windowMs: 1000 }], expect: { allowed: false, retryAfterMs: 1 } },
      { advanceMs: 1, limits: [{ limit: 7, windowMs: 1000 }], expect: { allowed: true } },
    ],
  },
  {
    name: 'sliding-window above 1000 hits: buckets of window/1000, never over the limit',
    algorithm: 'sliding-window',
    steps: [
      {
        limits: [{ limit: 1200, windowMs: MINUTE }],
        times: 1200,
        expect: { allowed: true, limits: [{ remaining: 0 }] },
      },
      {
        advanceMs: 10,
        limits: [{ limit: 1200, windowMs: MINUTE }],
        expect: { allowed: false, retryAfterMs: MINUTE - 10 },
      },
      // Hits are counted at the end of their 60 ms bucket: the first leaves at 60 s.
      {
        advanceMs: MINUTE - 11,
        limits: [{ limit: 1200, windowMs: MINUTE }],
        expect: { allowed: false, retryAfterMs: 1 },
      },
      {
        advanceMs: 1,
        limits: [{ limit: 1200, windowMs: MINUTE }],
        times: 1200,
        expect: { allowed: true, limits: [{ remaining: 0 }] },
      },
      { limits: [{ limit: 1200, windowMs: MINUTE }], expect: { allowed: false } },
    ],
  },
  ...each((algorithm) => ({
    name: 'costs: counted in full, a cost above the limit never admitted, cost 0 admitted at the limit',
    steps: [
      {
        limits: [{ limit: 5, windowMs: MINUTE, cost: 3 }],
        expect: { allowed: true, limits: [{ remaining: 2, retryAfterMs: 0 }] },
      },
      { limits: [{ limit: 5, windowMs: MINUTE, cost: 3 }], expect: { allowed: false, limits: [{ remaining: 0 }] } },
      {
        limits: [{ limit: 5, windowMs: MINUTE, cost: 6 }],
        expect: { allowed: false, retryAfterMs: MINUTE, limits: [{ remaining: 0, retryAfterMs: MINUTE }] },
      },
      { limits: [{ limit: 5, windowMs: MINUTE, cost: 2 }], expect: { allowed: true, limits: [{ remaining: 0 }] } },
      { limits: [{ limit: 5, windowMs: MINUTE, cost: 0 }], expect: { allowed: true, limits: [{ remaining: 0 }] } },
      {
        limits: [{ limit: 5, windowMs: MINUTE, cost: 1 }],
        expect: { allowed: false, retryAfterMs: algorithm === 'gcra' ? 12_000 : MINUTE },
      },
      // A limit of 0 rejects even a cost of 0.
      { limits: [{ limit: 0, windowMs: MINUTE, cost: 0 }], expect: { allowed: false, retryAfterMs: MINUTE } },
    ],
  })),
  ...each(() => ({
    name: 'costs: a request rejected by one limit counts its cost in none; cost 0 records nothing',
    steps: [
      {
        limits: [
          { limit: 2, windowMs: MINUTE, scope: 'tight', cost: 3 },
          { limit: 10, windowMs: MINUTE, scope: 'loose', cost: 3 },
        ],
        expect: { allowed: false, limits: [{ remaining: 0 }, { remaining: 10, retryAfterMs: 0 }] },
      },
      {
        limits: [{ limit: 10, windowMs: MINUTE, scope: 'loose', cost: 0 }],
        expect: { allowed: true, limits: [{ remaining: 10 }] },
      },
      {
        limits: [{ limit: 10, windowMs: MINUTE, scope: 'loose', cost: 4 }],
        expect: { allowed: true, limits: [{ remaining: 6 }] },
      },
    ],
  })),
  ...each((algorithm) => ({
    name: 'shadow: its rejection neither rejects nor blocks; without room it records nothing',
    steps: [
      {
        limits: SHADOW_AND_REAL,
        times: 2,
        expect: { allowed: true, limits: [{ remaining: 0 }, { remaining: 3 }] },
      },
      {
        limits: SHADOW_AND_REAL,
        expect: {
          allowed: true,
          blocked: false,
          retryAfterMs: 0,
          limits: [{ remaining: 0 }, { remaining: 2, retryAfterMs: 0 }],
        },
      },
      // The shadow counter holds 2 hits, not 3 (GCRA: a TAT of 60 s, not 90 s).
      {
        limits: [{ limit: 4, windowMs: MINUTE, scope: 'shadow' }],
        peek: true,
        expect:
          algorithm === 'gcra'
            ? { allowed: false, retryAfterMs: 15_000 }
            : { allowed: true, limits: [{ remaining: 1 }] },
      },
    ],
  })),
  ...each(() => ({
    name: 'a block: the blocked scope reports the block, an unread scope is unknown',
    steps: [
      {
        limits: BLOCKING_AND_OTHER,
        expect: { allowed: true },
      },
      {
        limits: BLOCKING_AND_OTHER,
        expect: {
          allowed: false,
          blocked: true,
          retryAfterMs: 5000,
          limits: [
            { remaining: 0, resetMs: 5000, retryAfterMs: 5000 },
            { remaining: 99, retryAfterMs: 0 },
          ],
        },
      },
      {
        advanceMs: 1000,
        limits: BLOCKING_AND_OTHER,
        expect: {
          allowed: false,
          blocked: true,
          retryAfterMs: 4000,
          limits: [{ remaining: 0, resetMs: 4000, retryAfterMs: 4000 }, { unknown: true }],
        },
      },
    ],
  })),
];
