import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const port = Number(process.env.PORT ?? 3000);
const app = await NestFactory.create(AppModule);
app.enableShutdownHooks();
await app.listen(port);
console.log(
  `Sample 02-redis on http://localhost:${port}/hello (${process.env.REDIS_CLIENT === 'node-redis' ? 'node-redis' : 'ioredis'}, ` +
    `Redis ${process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'})`,
);
