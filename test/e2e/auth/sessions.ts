import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySecureSession from '@fastify/secure-session';
import fastifySession from '@fastify/session';
import session from 'express-session';
import type { Platform } from '../../support/app.js';

const SESSION_SECRET = 'a-session-secret-of-at-least-32-characters';

/** A way to give an app sessions: the middleware or plugin, registered before init. */
export interface SessionSetup {
  name: string;
  configure(app: INestApplication): unknown;
}

/** Session libraries per platform, each registered the way its docs say. */
export const SESSIONS: Record<Platform, SessionSetup[]> = {
  express: [
    {
      name: 'express-session',
      configure: (app) => app.use(session({ secret: SESSION_SECRET, resave: false, saveUninitialized: false })),
    },
  ],
  fastify: [
    {
      name: '@fastify/secure-session',
      configure: (app) =>
        (app as NestFastifyApplication).register(fastifySecureSession as any, {
          key: Buffer.alloc(32, 7),
          cookie: { path: '/' },
        }),
    },
    {
      name: '@fastify/session',
      configure: async (app) => {
        await (app as NestFastifyApplication).register(fastifyCookie as any);
        await (app as NestFastifyApplication).register(fastifySession as any, {
          secret: SESSION_SECRET,
          cookie: { secure: false },
          saveUninitialized: false,
        });
      },
    },
  ],
};
