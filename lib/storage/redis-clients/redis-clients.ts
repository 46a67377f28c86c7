import { IoredisClient, type IoredisClientOptions } from './ioredis.client.js';
import { NodeRedisClient } from './node-redis.client.js';
import type { RedisClientAdapter } from './redis-client.interface.js';

/**
 * A client of ioredis or iovalkey (`Redis`, plain or Sentinel, or `Cluster`). Structural: the
 * package's types need none of the client libraries installed.
 */
export interface IoredisCompatibleClient {
  readonly status: string;
  evalsha: Function;
  duplicate: Function;
}

/** A client of node-redis (package `redis`, v5 and later): `createClient`, `createCluster` or `createSentinel`. */
export interface NodeRedisCompatibleClient {
  readonly isReady: boolean;
  evalSha: Function;
  duplicate: Function;
}

/** The Redis clients `RedisStorage` takes: ioredis, iovalkey or node-redis. */
export type RedisScriptClient = IoredisCompatibleClient | NodeRedisCompatibleClient;

const SUPPORTED =
  'ioredis or iovalkey (new Redis(...), a Sentinel Redis, new Cluster(...)) or node-redis v5+ ' +
  '(createClient(), createCluster(), createSentinel())';

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  if (typeof (value as { then?: unknown }).then === 'function')
    return 'a Promise (pass the client itself: `const client = createClient(); await client.connect();`)';
  return `an object of class ${value.constructor?.name ?? 'Object'}`;
}

/**
 * The adapter for `client`, recognised by its shape; throws naming the supported clients for anything
 * else. `options` apply to the clients that need them (node-redis coalesces its writes by itself).
 */
export function adaptRedisClient(
  client: unknown,
  options: IoredisClientOptions = { coalesceWrites: true },
): RedisClientAdapter {
  if (client !== null && typeof client === 'object') {
    const members = client as Record<string, unknown>;
    if (IoredisClient.fits(members)) return new IoredisClient(client as never, options);
    if (NodeRedisClient.fits(members)) return new NodeRedisClient(client as never);
  }
  throw new TypeError(`RedisStorage needs a Redis client of ${SUPPORTED}; got ${describe(client)}.`);
}
