/**
 * One benchmark variant as its own process: `node variant.main.js <variant> <platform>`, with
 * BENCH_REDIS_PORT (and BENCH_REDIS_AUTOPIPELINING=1 for ioredis auto-pipelining) set for Redis
 * variants (ioredis, but node-redis for `ratelimit-node-redis`, whose storage gets the command timeout
 * BENCH_NODE_REDIS_COMMAND_TIMEOUT, in ms, default 0 = none as README recommends; 5000 is node-redis's
 * default, for A/B runs: see PROFILE.md). Started by the harness with an IPC channel: it answers `ready` (with its port) or
 * `unavailable`, then `stats` on request, and exits on `stop`.
 */
import 'reflect-metadata';
import { Module, type INestApplication, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Redis } from 'ioredis';
import type { RateLimitStorage } from '../../lib/index.js';
import {
  isVariantName,
  REDIS_VARIANTS,
  type HarnessMessage,
  type PlatformName,
  type VariantMessage,
  type VariantName,
} from './variants.js';

// Each variant imports only what it uses, so that processes start fast and carry nothing extra.

type RedisStorageClass = new (client: object) => RateLimitStorage;

/** A Redis client of the variant, and how to close it. */
interface BenchRedis {
  client: object;
  disconnect(): void;
}

let redisCommands = 0;
/** Requests the HTTP server received (including ones the load generator abandoned at the end). */
let requestsReceived = 0;

/** An ioredis client to the benchmark's redis-server that counts the commands it sends (round trips). */
async function countingRedis(): Promise<BenchRedis> {
  const port = Number(process.env.BENCH_REDIS_PORT);
  const { Redis } = await import('ioredis');
  const client = new Redis({
    host: '127.0.0.1',
    port,
    retryStrategy: () => null,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: process.env.BENCH_REDIS_AUTOPIPELINING === '1',
  });
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    redisCommands++;
    return send(...args);
  }) as Redis['sendCommand'];
  await client.ping();
  return { client, disconnect: () => client.disconnect() };
}

/** The same with node-redis (`createClient`, RESP2, offline queue off as README recommends). */
async function countingNodeRedis(): Promise<BenchRedis> {
  const { createClient } = await import('redis');
  const client = createClient({
    socket: { host: '127.0.0.1', port: Number(process.env.BENCH_REDIS_PORT), reconnectStrategy: false },
    disableOfflineQueue: true,
  });
  // Every command goes through the underlying client's sendCommand (`_self`, not the facade).
  const self = (client as unknown as { _self: { sendCommand: (...args: unknown[]) => unknown } })._self;
  const send = self.sendCommand.bind(self);
  self.sendCommand = (...args: unknown[]) => {
    redisCommands++;
    return send(...args);
  };
  await client.connect();
  await client.ping();
  // As README recommends: the storage's view without node-redis's per-command timer (storageTimeout bounds calls).
  const timeout = Number(process.env.BENCH_NODE_REDIS_COMMAND_TIMEOUT ?? 0);
  return { client: client.withCommandOptions({ timeout }), disconnect: () => client.destroy() };
}

/** The variant's module metadata, or a reason it cannot run in this checkout. */
async function metadataOf(variant: VariantName, redis: BenchRedis | undefined): Promise<ModuleMetadata | string> {
  switch (variant) {
    case 'bare':
      return (await import('./bare.variant.js')).bareVariant();
    case 'noop-guard':
      return (await import('./noop-guard.variant.js')).noopGuardVariant();
    case 'ratelimit-memory': {
      const { MemoryStorage } = await import('../../lib/index.js');
      return (await import('./rate-limit.variant.js')).rateLimitVariant(new MemoryStorage());
    }
    case 'ratelimit-redis':
    case 'ratelimit-node-redis': {
      // Looked up at run time so that the harness builds whether or not RedisStorage is exported.
      const library: Record<string, unknown> = await import('../../lib/index.js');
      const RedisStorage = library.RedisStorage as RedisStorageClass | undefined;
      if (RedisStorage === undefined) return 'RedisStorage is not exported by lib/index.ts yet';
      return (await import('./rate-limit.variant.js')).rateLimitVariant(new RedisStorage(redis!.client));
    }
    case 'phases':
      return (await import('./phases.variant.js')).phasesVariant();
    case 'phases-ab':
      return (await import('./phases.variant.js')).phasesAbVariant();
    case 'throttler-memory':
      return (await import('./throttler.variant.js')).throttlerVariant();
    case 'throttler-redis': {
      const { ThrottlerStorageRedisService } = await import('@nest-lab/throttler-storage-redis');
      return (await import('./throttler.variant.js')).throttlerVariant(
        new ThrottlerStorageRedisService(redis!.client as Redis),
      );
    }
  }
}

async function createApp(metadata: ModuleMetadata, platform: PlatformName): Promise<INestApplication> {
  @Module(metadata)
  class VariantModule {}
  if (platform === 'express') return NestFactory.create(VariantModule, { logger: false });
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return NestFactory.create(VariantModule, new FastifyAdapter(), { logger: false });
}

function reply(message: VariantMessage): void {
  process.send!(message);
}

async function main(): Promise<void> {
  const [variant, platform] = process.argv.slice(2);
  if (!isVariantName(variant) || (platform !== 'express' && platform !== 'fastify')) {
    throw new Error(`Usage: variant.main.js <variant> <express|fastify>; got ${variant} ${platform}`);
  }
  const redis = !REDIS_VARIANTS.has(variant)
    ? undefined
    : variant === 'ratelimit-node-redis'
      ? await countingNodeRedis()
      : await countingRedis();
  const metadata = await metadataOf(variant, redis);
  if (typeof metadata === 'string') {
    reply({ type: 'unavailable', reason: metadata });
    redis?.disconnect();
    process.disconnect();
    return;
  }
  const app = await createApp(metadata, platform);
  await app.listen(0, '127.0.0.1');
  app.getHttpServer().on('request', () => requestsReceived++);
  process.on('message', async (message: HarnessMessage) => {
    if (message.type === 'stats') {
      const { rss, heapUsed } = process.memoryUsage();
      const { user, system } = process.cpuUsage();
      reply({ type: 'stats', rss, heapUsed, cpu: user + system, redisCommands, requests: requestsReceived });
    } else if (message.type === 'stop') {
      await app.close();
      redis?.disconnect();
      process.exit(0); // lets --cpu-prof write its profile
    }
  });
  reply({ type: 'ready', port: app.getHttpServer().address().port });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
