import { jest } from '@jest/globals';
import { ServiceUnavailableException } from '@nestjs/common';
import type { ConsumeRequest, ConsumeResult, RateLimitStorage } from '../../../lib/index.js';
import { BlockedCache } from '../../../lib/storage/blocked-cache.js';
import { ResilientStorage } from '../../../lib/storage/resilient.storage.js';

const request: ConsumeRequest = {
  identityKey: 'ratelimit:{u}',
  limits: [{ key: ':w', limit: 2, windowMs: 60_000, algorithm: 'fixed-window', block: 0 }],
  blocks: [{ key: ':b', durationMs: 0 }],
};
const ANSWER: ConsumeResult = { allowed: true, retryAfterMs: 0, blocked: false, limits: [] };

/** A storage whose every call is a promise the test settles by hand. */
class ManualStorage implements RateLimitStorage {
  calls: { resolve: (result: ConsumeResult) => void; reject: (error: Error) => void }[] = [];
  consume(): Promise<ConsumeResult> {
    return new Promise((resolve, reject) => this.calls.push({ resolve, reject }));
  }
  reset(): Promise<void> {
    return Promise.reject(new Error('connection is closed'));
  }
}

const silent = { warn: jest.fn(), log: jest.fn() };

describe('ResilientStorage', () => {
  afterEach(() => jest.restoreAllMocks());

  it("while the storage is down, requests don't wait for it: one probe at a time, the rest go to the fallback; outage and recovery logged once each at warn", async () => {
    const storage = new ManualStorage();
    const logger = { warn: jest.fn(), log: jest.fn() };
    const resilient = new ResilientStorage(storage, { policy: 'fallback', retryIntervalMs: 0, logger });

    const first = resilient.consume(request);
    storage.calls[0].reject(new Error('ECONNREFUSED'));
    expect(await first).toMatchObject({ allowed: true, limits: [{ remaining: 1 }] }); // counted in the fallback
    expect(resilient.failing).toBe(true);

    const probe = resilient.consume(request); // the next request probes the storage...
    const others = await Promise.all(Array.from({ length: 5 }, () => resilient.consume(request)));
    expect(storage.calls).toHaveLength(2); // ...and nobody else waits for it
    expect(others.map((result) => result.allowed)).toEqual([true, false, false, false, false]); // limit 2, in process
    storage.calls[1].resolve(ANSWER);
    expect(await probe).toBe(ANSWER);
    expect(resilient.failing).toBe(false);

    expect(logger.warn.mock.calls.map((args) => args[0])).toEqual([
      expect.stringMatching(/failed \(ECONNREFUSED\): counting in this process/),
      expect.stringMatching(/answers again/),
    ]);
    expect(logger.log).not.toHaveBeenCalled();
  });

  it('storageTimeout: calls that hang are answered by the policy, with one timer for all of them', async () => {
    const storage = new ManualStorage();
    const resilient = new ResilientStorage(storage, { policy: 'allow', timeoutMs: 20, logger: silent });
    jest.useFakeTimers();
    try {
      const pending = Array.from({ length: 100 }, () => resilient.consume(request));
      expect(storage.calls).toHaveLength(100);
      expect(jest.getTimerCount()).toBe(1); // one deadline timer for the 100 calls in flight
      jest.advanceTimersByTime(20);
      const results = await Promise.all(pending);
      expect(results.every((result) => result.allowed)).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
    storage.calls.forEach((call) => call.reject(new Error('late'))); // late failures are ignored, not unhandled
    resilient.onModuleDestroy();
  });

  it("'deny' answers 503 (ServiceUnavailableException), also when the storage throws synchronously", async () => {
    const throwing: RateLimitStorage = {
      consume: () => {
        throw new Error('not connected');
      },
      reset: () => {},
    };
    const resilient = new ResilientStorage(throwing, { policy: 'deny', logger: silent });
    await expect(async () => resilient.consume(request)).rejects.toBeInstanceOf(ServiceUnavailableException);
    await expect(async () => resilient.consume(request)).rejects.toThrow(/onStorageError: deny/);
  });

  it("'allow' admits, reporting each limit as if the hit opened its window", async () => {
    const storage = new ManualStorage();
    const resilient = new ResilientStorage(storage, { policy: 'allow', logger: silent });
    const pending = resilient.consume(request);
    storage.calls[0].reject(new Error('down'));
    expect(await pending).toEqual({
      allowed: true,
      retryAfterMs: 0,
      blocked: false,
      limits: [{ remaining: 1, resetMs: 60_000, retryAfterMs: 0 }],
    });
  });

  it('reset during an outage forgets the identity in the fallback; the storage failure fails the caller only with deny', async () => {
    const storage = new ManualStorage();
    const resilient = new ResilientStorage(storage, { policy: 'fallback', retryIntervalMs: 60_000, logger: silent });
    const pending = resilient.consume(request);
    storage.calls[0].reject(new Error('down'));
    await pending;
    expect((await resilient.consume(request)).allowed).toBe(true);
    expect((await resilient.consume(request)).allowed).toBe(false);
    await resilient.reset('ratelimit:{u}');
    expect((await resilient.consume(request)).allowed).toBe(true);

    const denying = new ResilientStorage(new ManualStorage(), { policy: 'deny', logger: silent });
    await expect(denying.reset('ratelimit:{u}')).rejects.toBeInstanceOf(ServiceUnavailableException);
  });
});

describe('BlockedCache', () => {
  it('holds at most maxIdentities identities, forgetting the oldest first', () => {
    const cache = new BlockedCache(2);
    const blocks = [{ key: ':b' }];
    cache.add('a', ':b', 1000);
    cache.add('b', ':b', 1000);
    cache.add('c', ':b', 1000);
    expect(cache.size).toBe(2);
    expect(cache.blockLeft('a', blocks, 0)).toBeUndefined();
    expect(cache.blockLeft('c', blocks, 0)).toEqual([1000]);
  });

  it('answers the ms left of each standing block among the scopes asked, and drops ended ones', () => {
    const cache = new BlockedCache(10);
    cache.add('a', ':x', 500);
    cache.add('a', ':y', 900);
    expect(cache.blockLeft('a', [{ key: ':x' }, { key: ':y' }], 100)).toEqual([400, 800]);
    expect(cache.blockLeft('a', [{ key: ':x' }], 100)).toEqual([400]);
    expect(cache.blockLeft('a', [{ key: ':x' }, { key: ':z' }], 500)).toBeUndefined();
    expect(cache.blockLeft('a', [{ key: ':y' }], 950)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
