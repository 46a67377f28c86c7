import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { FakeClock, http } from '../../../support/app.js';
import { as, headerAuth } from '../../../support/header-auth.js';
import { PathSpellingAppModule } from './app.module.js';

/**
 * Fastify's `rewriteUrl` routes a request by another URL than the one sent (`request.originalUrl`
 * keeps what was sent): a rewritten request that reaches a handler must still be limited.
 */
describe('path spelling on fastify with rewriteUrl', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PathSpellingAppModule.register('fastify', new FakeClock(), headerAuth())],
    }).compile();
    const adapter = new FastifyAdapter({
      rewriteUrl: (request: IncomingMessage) => (request.url ?? '/').replace(/^\/v1\//, '/'),
    });
    app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  it('/v1/exact is routed to /exact and limited with it', async () => {
    expect((await http(app).get('/v1/exact').set(as('old-client'))).status).toBe(200);
    expect((await http(app).get('/v1/exact').set(as('old-client'))).status).toBe(429);
    expect((await http(app).get('/exact').set(as('old-client'))).status).toBe(429);
  });
});
