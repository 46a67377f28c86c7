/**
 * One app instance for the multi-process test, run by Node in a child process (after
 * `transpileForNode`): the Redis scenario app on RedisStorage, on a free port. Env: REDIS_PORT.
 * Prints `{"port":N}` once listening; exits when its stdin closes (the test process is gone).
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { RedisStorage } from '../../../lib/index.js';
import { FAIL_FAST, redisAppModule } from './redis-app.module.js';

const redis = new Redis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT), ...FAIL_FAST });
await new Promise((resolve) => redis.once('ready', resolve));

@Module(redisAppModule(new RedisStorage(redis)))
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
await app.listen(0, '127.0.0.1');
process.stdout.write(JSON.stringify({ port: app.getHttpServer().address().port }) + '\n');

process.stdin.resume();
process.stdin.on('end', async () => {
  await app.close();
  redis.disconnect();
  process.exit(0);
});
