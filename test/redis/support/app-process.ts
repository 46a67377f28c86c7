/**
 * One app instance for the multi-process test, run by Node in a child process (after
 * `transpileForNode`): the Redis scenario app on RedisStorage, on a free port. Env: REDIS_PORT,
 * REDIS_CLIENT (a client kind of test/support/redis-clients.ts, default ioredis). The client is
 * made fail-fast and NOT awaited: the module waits at bootstrap until it is ready. Prints
 * `{"port":N}` once listening; exits when its stdin closes (the test process is gone).
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RedisStorage } from '../../../lib/index.js';
import { clientKind } from '../../support/redis-clients.js';
import { redisAppModule } from './redis-app.module.js';

const redis = await clientKind(process.env.REDIS_CLIENT ?? 'ioredis').create('plain', {
  port: Number(process.env.REDIS_PORT),
  connected: false,
});

@Module(redisAppModule(new RedisStorage(redis.client)))
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
await app.listen(0, '127.0.0.1');
process.stdout.write(JSON.stringify({ port: app.getHttpServer().address().port }) + '\n');

process.stdin.resume();
process.stdin.on('end', async () => {
  await app.close();
  await redis.close();
  process.exit(0);
});
