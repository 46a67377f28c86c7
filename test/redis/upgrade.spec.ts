import type { Redis } from 'ioredis';
import { RedisStorage, type Algorithm, type ConsumeRequest } from '../../lib/index.js';
import { FakeClock } from '../support/app.js';
import { RedisServer } from '../support/redis-harness.js';
import { LEGACY_CONSUME_SCRIPT } from './support/legacy-consume-script.js';

// An upgrade during traffic: state written by the previous script (one text field per counter)
// is read by the new one without an error and without forgetting a hit.

let server: RedisServer;
let client: Redis;

beforeAll(async () => {
  server = await RedisServer.start();
  client = await server.client();
});

afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

const ALGORITHMS: Algorithm[] = ['fixed-window', 'sliding-window', 'gcra'];

/** Two limits in one scope that blocks for 30 s, and one in a second scope. */
function requestOf(user: string, algorithm: Algorithm): ConsumeRequest {
  return {
    identityKey: `upgrade:{${user}}`,
    limits: [
      { key: `:a:1000:${algorithm}`, limit: 2, windowMs: 1000, algorithm, block: 0 },
      { key: `:a:60000:${algorithm}`, limit: 6, windowMs: 60_000, algorithm, block: 0 },
      { key: `:b:60000:${algorithm}`, limit: 4, windowMs: 60_000, algorithm, block: 1 },
    ],
    blocks: [
      { key: ':a:block', durationMs: 30_000 },
      { key: ':b:block', durationMs: 0 },
    ],
  };
}

/** One call of the previous script with its own argument format (23 arguments for 3 limits). */
async function legacyConsume(request: ConsumeRequest, now: number): Promise<string[]> {
  const args: (string | number)[] = [now, 0, 600_000, request.limits.length, request.blocks.length];
  for (const limit of request.limits)
    args.push(limit.key, limit.limit, limit.windowMs, limit.algorithm, limit.block + 1);
  for (const block of request.blocks) args.push(block.key, block.durationMs);
  return String(await client.eval(LEGACY_CONSUME_SCRIPT, 1, request.identityKey, ...args)).split(',');
}

describe.each(ALGORITHMS)('upgrade from the previous script, %s', (algorithm) => {
  it('carries over every counter: no error, the quota left is the same, nothing is admitted twice', async () => {
    const clock = new FakeClock();
    const user = `carry-${algorithm}`;
    const scopeB = { ...requestOf(user, algorithm), limits: [requestOf(user, algorithm).limits[2]] };
    // Before: 1 hit in scope a (1 s, 60 s), 3 hits in scope b (limit 4), spread so that the
    // sliding window holds several pairs.
    expect((await legacyConsume(requestOf(user, algorithm), clock.now()))[0]).toBe('1');
    for (let i = 0; i < 2; i++) {
      clock.advance(100);
      expect((await legacyConsume(scopeB, clock.now()))[0]).toBe('1');
    }
    const storage = new RedisStorage(client, { clock: clock.now });
    clock.advance(100);
    // After: scope b has room for exactly one more hit (GCRA: 15 s a token at 4/min, 300 ms spent).
    const first = await storage.consume(requestOf(user, algorithm));
    expect(first).toMatchObject({ allowed: true, limits: [{ remaining: 0 }, { remaining: 4 }, { remaining: 0 }] });
    const second = await storage.consume(scopeB);
    expect(second).toMatchObject({ allowed: false, blocked: false });
    expect(second.retryAfterMs).toBeGreaterThan(0);
    // The 1 s limit of scope a holds the old hit and the new one: the next is rejected and blocks.
    const third = await storage.consume(requestOf(user, algorithm));
    expect(third).toMatchObject({ allowed: false, blocked: true });
    expect(third.limits[0]).toMatchObject({ remaining: 0, retryAfterMs: 30_000 });
    expect(third.retryAfterMs).toBeGreaterThanOrEqual(30_000);
  });

  it('a block set by the previous script keeps blocking', async () => {
    const clock = new FakeClock();
    const user = `block-${algorithm}`;
    const request = requestOf(user, algorithm);
    for (let i = 0; i < 2; i++) expect((await legacyConsume(request, clock.now()))[0]).toBe('1');
    const blocked = await legacyConsume(request, clock.now());
    expect(blocked.slice(0, 3)).toEqual(['0', '1', '30000']);
    clock.advance(10_000);
    const storage = new RedisStorage(client, { clock: clock.now, blockedCacheSize: 0 });
    expect(await storage.consume(request)).toMatchObject({ allowed: false, blocked: true, retryAfterMs: 20_000 });
    clock.advance(20_000);
    // The block is over; the 60 s limit of scope a still holds the 2 old hits (GCRA: 20 s of 60 s used).
    const after = await storage.consume(request);
    expect(after).toMatchObject({ allowed: true, blocked: false });
    expect(after.limits[1].remaining).toBe(algorithm === 'gcra' ? 5 : 3);
  });
});
