import { jest } from '@jest/globals';
import { InvalidRateLimitConfigError } from '../../../lib/errors/index.js';
import { MemoryStorage, type ConsumeRequest } from '../../../lib/storage/index.js';
import { FakeClock } from '../../support/app.js';

const request = (user: string, windowMs = 60_000, limit = 5): ConsumeRequest => ({
  identityKey: `ratelimit:{${user}}`,
  limits: [{ key: ':p:x:*:w:fixed-window', limit, windowMs, algorithm: 'fixed-window', block: 0 }],
  blocks: [{ key: ':p:x:*:block', durationMs: 0 }],
});
const remaining = (storage: MemoryStorage, user: string) => storage.consume(request(user)).limits[0].remaining;

describe('MemoryStorage maxIdentities', () => {
  it('forgets the least recently used identity beyond maxIdentities', () => {
    const storage = new MemoryStorage({ clock: new FakeClock().now, maxIdentities: 3 });
    for (const user of ['a', 'b', 'c']) storage.consume(request(user));
    expect(storage.size).toBe(3);
    storage.consume(request('a')); // a is now the most recently used; b the least
    storage.consume(request('d')); // evicts b
    expect(storage.size).toBe(3);
    expect(remaining(storage, 'a')).toBe(2); // a kept its 2 earlier hits (5 - 3)
    expect(remaining(storage, 'c')).toBe(3); // c kept its hit (c used now: d is the least recent)
    expect(remaining(storage, 'b')).toBe(4); // b starts again: evicts d
    expect(remaining(storage, 'd')).toBe(4); // d was forgotten too
  });

  it('counts a peek as a use', () => {
    const storage = new MemoryStorage({ clock: new FakeClock().now, maxIdentities: 2 });
    storage.consume(request('a'));
    storage.consume(request('b'));
    storage.consume({ ...request('a'), peek: true }); // b is now the least recently used
    storage.consume(request('c'));
    expect(storage.consume({ ...request('a'), peek: true }).limits[0].remaining).toBe(3); // a's hit is still there
    expect(storage.consume({ ...request('b'), peek: true }).limits[0].remaining).toBe(4); // b was forgotten
  });

  it('keeps exactly maxIdentities identities under a flood of new ones, in constant time per call', () => {
    const storage = new MemoryStorage({ clock: new FakeClock().now, maxIdentities: 1000 });
    for (let i = 0; i < 50_000; i++) storage.consume(request(`flood-${i}`));
    expect(storage.size).toBe(1000);
    expect(remaining(storage, 'flood-49999')).toBe(3); // the newest are the ones kept
    expect(remaining(storage, 'flood-0')).toBe(4);
  });

  it('reset removes the identity from the recency order too', () => {
    const storage = new MemoryStorage({ clock: new FakeClock().now, maxIdentities: 2 });
    storage.consume(request('a'));
    storage.consume(request('b'));
    storage.reset('ratelimit:{a}');
    storage.reset('ratelimit:{unknown}');
    storage.consume(request('c')); // room left by a: nothing evicted
    expect(storage.size).toBe(2);
    expect(remaining(storage, 'b')).toBe(3);
  });

  it.each([0, -1, 1.5, NaN])('rejects maxIdentities %p, naming the option', (maxIdentities) => {
    expect(() => new MemoryStorage({ maxIdentities })).toThrow(InvalidRateLimitConfigError);
    expect(() => new MemoryStorage({ maxIdentities })).toThrow(
      `Invalid MemoryStorage option "maxIdentities": ${maxIdentities} is not a whole number >= 1.`,
    );
  });
});

describe('MemoryStorage reclaim', () => {
  afterEach(() => jest.useRealTimers());

  it.each([
    ['the hour first', [3_600_000, 1000]],
    ['the second first', [1000, 3_600_000]],
  ])('keeps an identity until the last of its windows ends (%s)', (_, windows) => {
    const clock = new FakeClock();
    const storage = new MemoryStorage({ clock: clock.now });
    const both: ConsumeRequest = {
      identityKey: 'ratelimit:{both}',
      limits: windows.map((windowMs, i) => ({
        key: `:p:x:*:${i}:fixed-window`,
        limit: 5,
        windowMs,
        algorithm: 'fixed-window' as const,
        block: 0,
      })),
      blocks: [{ key: ':p:x:*:block', durationMs: 0 }],
    };
    storage.consume(both);
    clock.advance(1000); // the one-second window has ended, the hour's has not
    storage.sweepAll();
    expect(storage.size).toBe(1);
    expect(storage.consume(both).limits[windows.indexOf(3_600_000)].remaining).toBe(3);
  });

  it('drops the least recently used identities once expired, a few per call, without sweepAll', () => {
    const clock = new FakeClock();
    const storage = new MemoryStorage({ clock: clock.now });
    for (let i = 0; i < 100; i++) storage.consume(request(`user-${i}`, 1000));
    clock.advance(1000);
    for (let i = 0; i < 30; i++) storage.consume(request('steady', 1));
    expect(storage.size).toBe(1); // 4 per call: 100 expired identities gone after 25 calls
  });

  it('reclaims idle expired state without traffic, with one unref`d timer that stops when nothing is held', () => {
    jest.useFakeTimers();
    const clock = new FakeClock();
    const storage = new MemoryStorage({ clock: clock.now, reclaimIntervalMs: 5000 });
    expect(jest.getTimerCount()).toBe(0); // no timer before anything is stored
    for (let i = 0; i < 25_000; i++) storage.consume(request(`user-${i}`, 2000));
    storage.consume(request('long', 3_600_000));
    expect(jest.getTimerCount()).toBe(1); // one timer for the whole storage, not one per hit
    clock.advance(2000);
    jest.advanceTimersByTime(5000); // one step examines up to 10,000 identities
    expect(storage.size).toBeLessThan(25_001);
    expect(storage.size).toBeGreaterThan(1);
    jest.advanceTimersByTime(10_000);
    expect(storage.size).toBe(1); // only the hour-long window is left
    expect(jest.getTimerCount()).toBe(1);
    clock.advance(3_600_000);
    jest.advanceTimersByTime(5000);
    expect(storage.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0); // nothing held: the timer stopped
    storage.consume(request('again'));
    expect(jest.getTimerCount()).toBe(1); // and starts again with the next identity
  });

  it('close() and onModuleDestroy() clear the timer', () => {
    jest.useFakeTimers();
    const storage = new MemoryStorage({ clock: new FakeClock().now });
    storage.consume(request('a'));
    expect(jest.getTimerCount()).toBe(1);
    storage.close();
    expect(jest.getTimerCount()).toBe(0);
    storage.consume(request('b'));
    storage.onModuleDestroy();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('never keeps the process alive (the timer is unref`d)', () => {
    const storage = new MemoryStorage();
    storage.consume(request('a'));
    const timer = (storage as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    storage.close();
  });
});
