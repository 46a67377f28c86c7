import type { WindowAlgorithm } from './algorithm.interface.js';

/** The admitted hits of the last window, oldest first, as a ring of ms timestamps. */
interface SlidingLogState {
  hits: number[];
  /** Index of the oldest hit in `hits`. */
  head: number;
  /** Number of hits stored. */
  size: number;
}

/** Drops the hits that left the window `(now - windowMs, now]`. */
function expire(state: SlidingLogState, now: number, windowMs: number): void {
  const capacity = state.hits.length;
  while (state.size > 0 && state.hits[state.head] + windowMs <= now) {
    state.head = (state.head + 1) % capacity;
    state.size--;
  }
}

/** Count of hits in `(now - windowMs, now]` without changing the state. */
function liveCount(state: SlidingLogState, now: number, windowMs: number): { count: number; first: number } {
  const capacity = state.hits.length;
  let first = 0;
  while (first < state.size && state.hits[(state.head + first) % capacity] + windowMs <= now) first++;
  return { count: state.size - first, first };
}

/**
 * Exact sliding window: a hit is admitted only if fewer than `limit` hits were admitted in the
 * `windowMs` before it, so no interval of that length ever holds more than `limit`.
 */
export const slidingWindow: WindowAlgorithm<SlidingLogState> = {
  name: 'sliding-window',

  check(state, now, limit, windowMs, status) {
    if (limit <= 0) {
      status.remaining = 0;
      status.resetMs = windowMs;
      status.retryAfterMs = windowMs;
      return false;
    }
    if (state === undefined) {
      status.remaining = limit - 1;
      status.resetMs = windowMs;
      status.retryAfterMs = 0;
      return true;
    }
    const capacity = state.hits.length;
    const { count, first } = liveCount(state, now, windowMs);
    const oldest = (index: number) => state.hits[(state.head + first + index) % capacity];
    if (count < limit) {
      status.remaining = limit - count - 1;
      status.resetMs = count === 0 ? windowMs : oldest(0) + windowMs - now;
      status.retryAfterMs = 0;
      return true;
    }
    // Admitted again once count - limit + 1 of the live hits have left the window.
    const wait = oldest(count - limit) + windowMs - now;
    status.remaining = 0;
    status.resetMs = wait;
    status.retryAfterMs = wait;
    return false;
  },

  record(state, now, limit, windowMs) {
    if (state === undefined || state.hits.length !== limit) {
      const hits = state === undefined ? [] : liveHits(state, now, windowMs);
      hits.push(now);
      const ring = new Array<number>(limit).fill(0);
      for (let i = 0; i < hits.length && i < limit; i++) ring[i] = hits[hits.length - Math.min(hits.length, limit) + i];
      return { hits: ring, head: 0, size: Math.min(hits.length, limit) };
    }
    expire(state, now, windowMs);
    const capacity = state.hits.length;
    if (state.size === capacity) {
      state.head = (state.head + 1) % capacity;
      state.size--;
    }
    state.hits[(state.head + state.size) % capacity] = now;
    state.size++;
    return state;
  },

  expiresAt(state, windowMs) {
    if (state.size === 0) return 0;
    return state.hits[(state.head + state.size - 1) % state.hits.length] + windowMs;
  },
};

function liveHits(state: SlidingLogState, now: number, windowMs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < state.size; i++) {
    const hit = state.hits[(state.head + i) % state.hits.length];
    if (hit + windowMs > now) out.push(hit);
  }
  return out;
}
