import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../sample/01-memory-ip/app.module.js';

it('smoke', async () => {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  const a = await request(app.getHttpServer()).get('/second_limit');
  const b = await request(app.getHttpServer()).get('/second_limit');
  console.log(a.status, a.headers, b.status, b.body, b.headers);
  await app.close();
});
