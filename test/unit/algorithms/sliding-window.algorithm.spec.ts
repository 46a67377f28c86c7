import fc from 'fast-check';
import type { LimitStatus } from '../../../lib/index.js';
import {
  slidingWindow,
  slidingWindowBucketMs,
  type SlidingWindowState,
} from '../../../lib/algorithms/sliding-window.algorithm.js';

const HOUR = 3_600_000;
const MONTH = 31 * 86_400_000;
const START = Date.UTC(2026, 0, 1);

/** Sends a hit at each time, recording admitted ones; returns the admitted times. */
function run(times: Iterable<number>, limit: number, windowMs: number, onState?: (state: SlidingWindowState) => void) {
  const status: LimitStatus = { remaining: 0, resetMs: 0, retryAfterMs: 0 };
  let state: SlidingWindowState | undefined;
  const admitted: number[] = [];
  for (const now of times) {
    if (!slidingWindow.check(state, now, limit, windowMs, status)) continue;
    state = slidingWindow.record(state, now, limit, windowMs);
    admitted.push(now);
    onState?.(state);
  }
  return admitted;
}

/** An exact log: admits while fewer than `limit` admitted hits are in `(now - window, now]`. */
function runExact(times: Iterable<number>, limit: number, windowMs: number): number[] {
  const admitted: number[] = [];
  for (const now of times) {
    const live = admitted.length >= limit ? admitted[admitted.length - limit] + windowMs > now : false;
    if (!live) admitted.push(now);
  }
  return admitted;
}

function* every(stepMs: number, count: number, from = START) {
  for (let i = 0; i < count; i++) yield from + i * stepMs;
}

describe('sliding window representation', () => {
  it('is exact (one entry per ms) up to 1000 hits per window, bucketed at window/1000 above', () => {
    expect(slidingWindowBucketMs(1000, MONTH)).toBe(1);
    expect(slidingWindowBucketMs(1001, MONTH)).toBe(2_678_400); // 44.64 min
    expect(slidingWindowBucketMs(100_000, 86_400_000)).toBe(86_400);
    expect(slidingWindowBucketMs(5000, 1000)).toBe(1); // a second has only 1000 ms anyway
  });

  it('a month limit of 1,000,000 keeps at most 1001 entries per key, and never admits more than the limit', () => {
    const limit = 1_000_000;
    let largest = 0;
    // 1.6 million hits over 40 days (one per ~2 s): the limit binds after 25 days, hits leave from day 31.
    const admitted = run(every(2143, 1_600_000), limit, MONTH, (state) => {
      const entries = (state.hits.length - state.head) / 2;
      if (entries > largest) largest = entries;
    });
    expect(largest).toBeLessThanOrEqual(1001);
    for (let i = limit; i < admitted.length; i += 997)
      expect(admitted[i] - admitted[i - limit]).toBeGreaterThanOrEqual(MONTH);
  });

  it('measured error above 1000 hits: admissions are late by less than one bucket, throughput is within 0.1% of an exact log', () => {
    const limit = 1500;
    const bucketMs = slidingWindowBucketMs(limit, HOUR); // 3.6 s
    // Saturating random traffic over 10 hours: each hit 0..4 s after the previous one (about 1800 per hour).
    const gaps = fc.sample(fc.integer({ min: 0, max: 4000 }), { numRuns: 18_000, seed: 7 });
    const times: number[] = [];
    gaps.reduce((now, gap) => (times.push(now + gap), now + gap), START);

    const approximate = run(times, limit, HOUR);
    const exact = runExact(times, limit, HOUR);
    const shortfall = 1 - approximate.length / exact.length;
    expect(shortfall).toBeGreaterThanOrEqual(0);
    expect(shortfall).toBeLessThanOrEqual(bucketMs / HOUR); // 0.1%

    // Against an exact log of the same admitted hits, every Retry-After is late by less than one bucket.
    const status: LimitStatus = { remaining: 0, resetMs: 0, retryAfterMs: 0 };
    let state: SlidingWindowState | undefined;
    const kept: number[] = [];
    let worstLateMs = 0;
    for (const now of times) {
      if (slidingWindow.check(state, now, limit, HOUR, status)) {
        state = slidingWindow.record(state, now, limit, HOUR);
        kept.push(now);
        continue;
      }
      const live = kept.filter((t) => t + HOUR > now);
      const exactRetry = live.length < limit ? 0 : live[live.length - limit] + HOUR - now;
      expect(status.retryAfterMs).toBeGreaterThanOrEqual(Math.max(1, exactRetry));
      worstLateMs = Math.max(worstLateMs, status.retryAfterMs - exactRetry);
    }
    expect(worstLateMs).toBeLessThan(bucketMs);
    expect(worstLateMs).toBeGreaterThan(0); // the approximation is real, and measured here
  });
});
