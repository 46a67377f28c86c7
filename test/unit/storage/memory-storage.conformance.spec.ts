import { MemoryStorage } from '../../../lib/index.js';
import { FakeClock } from '../../support/app.js';
import { describeStorageConformance } from '../../conformance/storage-conformance.js';

describeStorageConformance('MemoryStorage', async (clock) => {
  const storage = new MemoryStorage({ clock: clock.now });
  return {
    storage,
    close: async () => {},
    liveKeys: async () => {
      storage.sweepAll();
      return storage.size;
    },
  };
});

describe('MemoryStorage', () => {
  const request = (user: string, windowMs = 1000) => ({
    identityKey: `ratelimit:{${user}}`,
    limits: [{ key: ':p:x:*:1000:sliding-window', limit: 5, windowMs, algorithm: 'sliding-window' as const, block: 0 }],
    blocks: [{ key: ':p:x:*:block', durationMs: 0 }],
  });

  it('answers synchronously: one call, no promise, atomic within the process', () => {
    const storage = new MemoryStorage({ clock: new FakeClock().now });
    const result = storage.consume(request('sync'));
    expect(result).not.toBeInstanceOf(Promise);
    expect(result.allowed).toBe(true);
  });

  it('reclaims expired identities a few per request, without sweepAll or timers', () => {
    const clock = new FakeClock();
    const storage = new MemoryStorage({ clock: clock.now });
    for (let i = 0; i < 1000; i++) storage.consume(request(`user-${i}`));
    expect(storage.size).toBe(1000);
    clock.advance(1000);
    for (let i = 0; i < 300; i++) storage.consume(request('steady', 1));
    expect(storage.size).toBeLessThanOrEqual(1);
  });
});
