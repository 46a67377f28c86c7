import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { FakeClock } from '../../../support/app.js';
import { headerAuth } from '../../../support/header-auth.js';
import { listen } from '../../../support/raw-request.js';
import { expectSameCounter } from './expect-same-counter.js';
import { PathSpellingAppModule } from './app.module.js';

/** Fastify with every lenient router option: more spellings reach handlers, all must be limited. */
const ROUTER_OPTIONS = {
  caseSensitive: false,
  ignoreTrailingSlash: true,
  ignoreDuplicateSlashes: true,
  useSemicolonDelimiter: true,
};

const SPELLINGS: [string, string][] = [
  ['/second_limit', '/SECOND_LIMIT'],
  ['/second_limit', '/second_limit/'],
  ['/second_limit', '//second_limit//'],
  ['/second_limit', '/second_limit;jsessionid=1'],
  ['/second_limit', '/%73ECOND_limit'],
  ['/exact', '/EXACT/'],
  ['/exact', '//exact'],
  ['/exact', '/exact;x=1'],
  ['/exact', '/exact/;x=1'],
  ['/files/a', '/files/a;b'],
];

describe('path spelling on fastify with lenient router options', () => {
  let app: INestApplication;
  let url: string;
  const reaching = new Set<string>();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PathSpellingAppModule.register('fastify', new FakeClock(), headerAuth())],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(
      new FastifyAdapter({ routerOptions: ROUTER_OPTIONS }),
      {
        logger: false,
      },
    );
    await app.init();
    url = await listen(app);
  });
  afterAll(() => app.close());

  it.each(SPELLINGS)('%s spelled %s is limited wherever it reaches the handler', async (plain, spelling) => {
    if (await expectSameCounter(url, plain, spelling)) reaching.add(spelling);
  });

  it('the lenient options let these spellings reach the handler', () => {
    expect([...reaching].sort()).toEqual(SPELLINGS.map(([, spelling]) => spelling).sort());
  });
});
