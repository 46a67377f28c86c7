import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { RedisScriptClient } from '../../lib/index.js';

/** A Redis client for RedisStorage and how to close it on shutdown. */
export interface RedisConnection {
  client: RedisScriptClient;
  close(): Promise<void>;
}

/**
 * The ioredis form: fail fast while Redis is down (no offline queue, one retry), so requests are
 * answered by the in-process fallback at once instead of waiting for a reconnect.
 */
export function ioredisConnection(url: string): RedisConnection {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // ioredis logs unhandled 'error' events; the module logs outages itself
  return { client: redis, close: async () => redis.disconnect() };
}

/**
 * The node-redis form: the same with `disableOfflineQueue`, and a reconnect strategy that keeps
 * trying (at most every 2 s). node-redis needs an 'error' listener (without one, a lost connection
 * throws out of the process) and an explicit `connect()`.
 */
export async function nodeRedisConnection(url: string): Promise<RedisConnection> {
  const redis = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) },
  });
  redis.on('error', () => {});
  await redis.connect();
  // The storage's view of the connection without node-redis's 5 s timer per command (README "Redis clients");
  // storageTimeout bounds its calls instead.
  return { client: redis.withCommandOptions({ timeout: 0 }), close: () => redis.close() };
}
