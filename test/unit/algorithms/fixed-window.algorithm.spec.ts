import type { LimitStatus } from '../../../lib/index.js';
import { fixedWindow, type FixedWindowState } from '../../../lib/algorithms/fixed-window.algorithm.js';

const START = Date.UTC(2026, 0, 1);

/** Runs `check` then (when admitted) `record` for one hit, returning whether it was admitted. */
function hit(state: { current?: FixedWindowState }, at: number, limit: number, windowMs: number, status: LimitStatus) {
  const admitted = fixedWindow.check(state.current, at, limit, windowMs, status);
  if (admitted) state.current = fixedWindow.record(state.current, at, limit, windowMs);
  return admitted;
}

describe('fixed-window', () => {
  const status: LimitStatus = { remaining: 0, resetMs: 0, retryAfterMs: 0 };

  it('opens the window at the first admitted hit and admits `limit` hits in it', () => {
    const state: { current?: FixedWindowState } = {};
    const seen: Array<[boolean, number, number, number]> = [];
    for (const offset of [0, 10, 20, 30]) {
      const admitted = hit(state, START + offset, 3, 1000, status);
      seen.push([admitted, status.remaining, status.resetMs, status.retryAfterMs]);
    }
    expect(seen).toEqual([
      [true, 2, 1000, 0],
      [true, 1, 990, 0],
      [true, 0, 980, 0],
      [false, 0, 970, 970], // rejected until the window closes, 1000 ms after its first hit
    ]);
    expect(state.current).toEqual({ count: 3, resetAt: START + 1000 });
  });

  it('a new window opens at the first hit from resetAt on, not at a boundary of the clock', () => {
    const state: { current?: FixedWindowState } = {};
    hit(state, START + 500, 1, 1000, status);
    expect(hit(state, START + 1499, 1, 1000, status)).toBe(false);
    expect(status.retryAfterMs).toBe(1);
    expect(hit(state, START + 1500, 1, 1000, status)).toBe(true);
    expect(state.current).toEqual({ count: 1, resetAt: START + 2500 });
  });

  it('a limit of 0 rejects with the whole window, whatever the state', () => {
    const state: { current?: FixedWindowState } = {};
    expect(hit(state, START, 0, 60_000, status)).toBe(false);
    expect(status).toEqual({ remaining: 0, resetMs: 60_000, retryAfterMs: 60_000 });
    hit(state, START, 5, 60_000, status);
    expect(hit(state, START + 10_000, 0, 60_000, status)).toBe(false);
    expect(status.retryAfterMs).toBe(60_000);
  });

  it('a lowered limit rejects once the count reaches it, until the window closes', () => {
    const state: { current?: FixedWindowState } = {};
    for (let i = 0; i < 4; i++) hit(state, START, 10, 1000, status);
    expect(hit(state, START + 100, 3, 1000, status)).toBe(false);
    expect(status.retryAfterMs).toBe(900);
  });

  it('check records nothing; the state can be dropped from resetAt', () => {
    const state: { current?: FixedWindowState } = {};
    hit(state, START, 2, 1000, status);
    const before = { ...state.current! };
    fixedWindow.check(state.current, START + 1, 2, 1000, status);
    expect(state.current).toEqual(before);
    expect(fixedWindow.expiresAt(state.current!, 1000)).toBe(START + 1000);
  });
});
