import { assertRedisInstalled, RedisServer } from '../support/redis-harness.js';

describe('Redis test harness', () => {
  it('without redis-server on PATH, fails with a message saying how to install it', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => assertRedisInstalled()).toThrow(/redis-server was not found on PATH.*apt-get install redis-server/);
      await expect(RedisServer.start()).rejects.toThrow(/apt-get install redis-server/);
    } finally {
      process.env.PATH = path;
    }
  });
});
