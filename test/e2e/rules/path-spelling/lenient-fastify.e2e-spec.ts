import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { FakeClock } from '../../../support/app.js';
import { headerAuth } from '../../../support/header-auth.js';
import { listen } from '../../../support/raw-request.js';
import { expectSameCounter } from './expect-same-counter.js';
import { PathSpellingAppModule } from './app.module.js';
import { SPELLINGS } from './spellings.js';

/** Spellings that only lenient router options let through. */
const LENIENT: [string, string][] = [
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

const ALL = {
  caseSensitive: false,
  ignoreTrailingSlash: true,
  ignoreDuplicateSlashes: true,
  useSemicolonDelimiter: true,
};

/** Fastify's lenient router options, one at a time and all together, with spellings each lets reach a handler. */
const MATRIX: [string, Record<string, boolean>, string[]][] = [
  [
    'caseSensitive: false',
    { caseSensitive: false },
    ['/SECOND_LIMIT', '/%E2%84%AAeys', '/%E2%84%AAEYS', '/%73ECOND_limit'],
  ],
  ['ignoreTrailingSlash', { ignoreTrailingSlash: true }, ['/second_limit/', '/exact/']],
  ['ignoreDuplicateSlashes', { ignoreDuplicateSlashes: true }, ['//second_limit', '//exact']],
  ['useSemicolonDelimiter', { useSemicolonDelimiter: true }, ['/second_limit;jsessionid=1', '/exact;x=1']],
  ['all of them', ALL, [...LENIENT.map(([, spelling]) => spelling), '/%E2%84%AAeys', '/%E2%84%AAEYS']],
];

/** Fastify with lenient router options: more spellings reach handlers, all must be limited. */
describe.each(MATRIX)('path spelling on fastify with %s', (_name, routerOptions, mustReach) => {
  let app: INestApplication;
  let url: string;
  const reaching = new Set<string>();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PathSpellingAppModule.register('fastify', new FakeClock(), headerAuth())],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter({ routerOptions }), {
      logger: false,
    });
    await app.init();
    url = await listen(app);
  });
  afterAll(() => app.close());

  it.each([...SPELLINGS, ...LENIENT])(
    '%s spelled %s is limited wherever it reaches the handler',
    async (plain, spelling) => {
      if (await expectSameCounter(url, plain, spelling)) reaching.add(spelling);
    },
  );

  it('the options let these spellings reach the handler', () => {
    expect([...reaching]).toEqual(expect.arrayContaining(mustReach));
  });
});
