import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import session from 'express-session';
import { AppModule } from './app.module.js';

const port = Number(process.env.PORT ?? 3000);
const app = await NestFactory.create(AppModule);
// SessionAuth reads req.session: register the session middleware before the app starts
app.use(
  session({ secret: process.env.SESSION_SECRET ?? 'sample-session-secret', resave: false, saveUninitialized: false }),
);
await app.listen(port);
console.log(`Sample 03-jwt-session on http://localhost:${port}: see sample/03-jwt-session/README.md`);
