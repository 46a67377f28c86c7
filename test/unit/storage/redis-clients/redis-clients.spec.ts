import { adaptRedisClient } from '../../../../lib/storage/redis-clients/redis-clients.js';

// Recognition by shape, without a server (test/redis/redis-clients.spec.ts does it with real clients).
const fn = () => Promise.resolve();

describe('adaptRedisClient', () => {
  it.each([
    [{ status: 'wait', evalshaBuffer: fn, duplicate: fn }, 'ioredis/iovalkey Redis'],
    [{ status: 'ready', isCluster: true, evalshaBuffer: fn, duplicate: fn }, 'ioredis/iovalkey Cluster'],
    [
      { status: 'ready', options: { sentinels: [{}] }, evalshaBuffer: fn, duplicate: fn },
      'ioredis/iovalkey Redis (Sentinel)',
    ],
    [{ isReady: false, evalSha: fn, withTypeMapping: fn, duplicate: fn }, 'node-redis createClient'],
    [{ isReady: true, evalSha: fn, withTypeMapping: fn, duplicate: fn, getSlotMaster: fn }, 'node-redis createCluster'],
    [
      { isReady: true, evalSha: fn, withTypeMapping: fn, duplicate: fn, getSentinelNode: fn },
      'node-redis createSentinel',
    ],
  ])('%p is a %s', (client, kind) => {
    expect(adaptRedisClient(client).kind).toBe(kind);
  });

  it.each([
    [{ evalsha: fn }, /an object of class Object/], // no duplicate/status: e.g. a hand-made stub
    [{ status: 'ready', evalsha: fn, duplicate: fn }, /an object of class Object/], // no evalshaBuffer: not ioredis 4+
    [{ evalSha: fn, duplicate: fn }, /an object of class Object/], // no isReady: not a node-redis v5+ client
    [undefined, /got undefined/],
    ['redis://127.0.0.1:6379', /got redis:\/\/127\.0\.0\.1:6379/],
  ])('%p is refused, naming the supported clients and what it got', (client, got) => {
    expect(() => adaptRedisClient(client)).toThrow(
      /^RedisStorage needs a Redis client of ioredis or iovalkey \(new Redis\(\.\.\.\), a Sentinel Redis, new Cluster\(\.\.\.\)\) or node-redis v5\+ \(createClient\(\), createCluster\(\), createSentinel\(\)\); got /,
    );
    expect(() => adaptRedisClient(client)).toThrow(got);
  });
});
