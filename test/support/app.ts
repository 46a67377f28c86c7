import 'reflect-metadata';
import type { INestApplication, ModuleMetadata, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';

/** The HTTP adapters every e2e scenario runs on (`describe.each(PLATFORMS)`). */
export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

/**
 * Boots a Nest application for `root` (a module class, or module metadata) on `platform`, ready
 * for supertest: `request(app.getHttpServer())`. Close it with `app.close()`. `configure` runs
 * before `init`, e.g. to register a session middleware (Express) or plugin (Fastify).
 */
export async function createApp(
  platform: Platform,
  root: Type | ModuleMetadata,
  configure?: (app: INestApplication) => unknown,
): Promise<INestApplication> {
  const rootModule = typeof root === 'function' ? root : moduleOf(root);
  const moduleRef = await Test.createTestingModule({ imports: [rootModule] }).compile();
  if (platform === 'express') {
    const app = moduleRef.createNestApplication({ logger: false });
    await configure?.(app);
    await app.init();
    return app;
  }
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await configure?.(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

function moduleOf(metadata: ModuleMetadata): Type {
  @Module(metadata)
  class ScenarioModule {}
  return ScenarioModule;
}

/** A supertest agent on the app's server. */
export const http = (app: INestApplication) => request(app.getHttpServer());

/** A controllable clock for storages: `new MemoryStorage({ clock: clock.now })`. Starts at a fixed time. */
export class FakeClock {
  private time = Date.UTC(2026, 0, 1);
  /** Current time in ms (bound: pass it as a function). */
  readonly now = (): number => this.time;
  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.time += ms;
  }
  /** Moves time forward by `seconds`. */
  advanceSeconds(seconds: number): void {
    this.time += seconds * 1000;
  }
}
