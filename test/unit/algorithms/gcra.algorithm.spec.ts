import type { LimitStatus } from '../../../lib/index.js';
import { gcra, type GcraState } from '../../../lib/algorithms/gcra.algorithm.js';

const START = Date.UTC(2026, 0, 1);

describe('gcra', () => {
  const status: LimitStatus = { remaining: 0, resetMs: 0, retryAfterMs: 0 };

  it.each([
    [7, 1000],
    [3, 1000],
    [1000, 60_000],
    [13, 31 * 86_400_000],
  ])(
    'limit %i per %i ms: a burst of limit from idle, then exactly one hit per window/limit, without drift',
    (limit, windowMs) => {
      let state: GcraState | undefined;
      let admitted = 0;
      const span = 50 * windowMs;
      const step = Math.max(1, Math.floor(windowMs / limit / 7)); // several attempts per interval
      for (let t = 0; t <= span; t += step) {
        if (!gcra.check(state, START + t, limit, windowMs, status)) continue;
        state = gcra.record(state, START + t, limit, windowMs);
        admitted++;
      }
      // Tokens: `limit` at the start, then one per window/limit; the last attempt is at most one step after a token.
      const earned = Math.floor((span - (span % step)) / (windowMs / limit));
      expect(admitted).toBeLessThanOrEqual(limit + earned);
      expect(admitted).toBeGreaterThanOrEqual(limit + earned - 1);
    },
  );

  it('reports remaining and the next token after each hit of a burst', () => {
    let state: GcraState | undefined;
    const seen: Array<[number, number]> = [];
    for (let i = 0; i < 4; i++) {
      if (gcra.check(state, START, 4, 60_000, status)) state = gcra.record(state, START, 4, 60_000);
      seen.push([status.remaining, status.resetMs]);
    }
    expect(seen).toEqual([
      [3, 15_000],
      [2, 15_000],
      [1, 15_000],
      [0, 15_000],
    ]);
    expect(gcra.check(state, START, 4, 60_000, status)).toBe(false);
    expect(status).toEqual({ remaining: 0, resetMs: 15_000, retryAfterMs: 15_000 });
    expect(gcra.expiresAt(state!, 60_000)).toBe(START + 60_000);
  });

  it('a rest left by a larger limit is rounded up to the next ms instead of being misread', () => {
    let state: GcraState | undefined = gcra.record(undefined, START, 7, 1000); // TAT = 142 + 6/7 ms
    expect(state).toEqual({ tat: START + 142, rest: 6 });
    state = gcra.record(state, START, 2, 1000); // the rule now says 2 per second
    expect(state).toEqual({ tat: START + 143 + 500, rest: 0 });
  });
});
