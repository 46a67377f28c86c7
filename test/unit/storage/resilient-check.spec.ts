import { jest } from '@jest/globals';
import type { ConsumeResult, RateLimitStorage } from '../../../lib/index.js';
import { ResilientStorage, type StorageObserver } from '../../../lib/storage/resilient.storage.js';

/** A storage that answers, fails or never answers, as the test says. */
class SwitchableStorage implements RateLimitStorage {
  mode: 'answer' | 'fail' | 'hang' = 'answer';
  readonly requests: unknown[] = [];
  consume(request: unknown): Promise<ConsumeResult> {
    this.requests.push(request);
    if (this.mode === 'fail') return Promise.reject(new Error('ECONNREFUSED'));
    if (this.mode === 'hang') return new Promise(() => {});
    return Promise.resolve({ allowed: true, retryAfterMs: 0, blocked: false, limits: [] });
  }
  reset(): void {}
}

describe('ResilientStorage.check (the health indicator) and its observer', () => {
  it('asks one read-only question; a failure or a timeout starts the outage, an answer ends it; the observer hears each', async () => {
    const storage = new SwitchableStorage();
    const observer = { settled: jest.fn(), failed: jest.fn(), fallback: jest.fn() } satisfies StorageObserver;
    const logger = { warn: jest.fn() };
    const resilient = new ResilientStorage(storage, { policy: 'fallback', logger, observer });

    expect(await resilient.check('ratelimit:{:health}', 100)).toEqual({ up: true, fallback: false });
    expect(storage.requests[0]).toMatchObject({ identityKey: 'ratelimit:{:health}', limits: [], peek: true });

    storage.mode = 'fail';
    expect(await resilient.check('ratelimit:{:health}', 100)).toEqual({
      up: false,
      fallback: true,
      error: 'ECONNREFUSED',
    });
    expect(resilient.failing).toBe(true);

    storage.mode = 'hang';
    expect(await resilient.check('ratelimit:{:health}', 30)).toEqual({
      up: false,
      fallback: true,
      error: 'the storage did not answer within 30 ms',
    });

    storage.mode = 'answer';
    expect(await resilient.check('ratelimit:{:health}', 100)).toEqual({ up: true, fallback: false });
    expect(resilient.failing).toBe(false);

    expect(observer.settled).toHaveBeenCalledTimes(4);
    expect(observer.failed).toHaveBeenCalledTimes(2);
    expect(observer.fallback.mock.calls).toEqual([[true], [false]]);
    expect(logger.warn.mock.calls.map((args) => args[0])).toEqual([
      expect.stringMatching(/failed \(ECONNREFUSED\)/),
      expect.stringMatching(/answers again/),
    ]);
  });
});
