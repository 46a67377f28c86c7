import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { collectDefaultMetrics } from 'prom-client';
import { AppModule } from './app.module.js';

collectDefaultMetrics(); // the process metrics, beside the rate limiter's
const port = Number(process.env.PORT ?? 3000);
const app = await NestFactory.create(AppModule);
app.enableShutdownHooks();
await app.listen(port);
console.log(`Sample 05-observability on http://localhost:${port}: /api/items, /metrics, /health (see its README)`);
