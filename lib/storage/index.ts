export * from './rate-limit-storage.interface.js';
export * from './memory.storage.js';
export * from './redis.storage.js';
export type {
  IoredisCompatibleClient,
  NodeRedisCompatibleClient,
  RedisScriptClient,
} from './redis-clients/redis-clients.js';
