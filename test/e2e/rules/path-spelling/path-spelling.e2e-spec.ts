import type { INestApplication } from '@nestjs/common';
import { createApp, FakeClock, PLATFORMS, type Platform } from '../../../support/app.js';
import { headerAuth } from '../../../support/header-auth.js';
import { listen } from '../../../support/raw-request.js';
import { expectSameCounter } from './expect-same-counter.js';
import { PathSpellingAppModule } from './app.module.js';

const SECOND_LIMIT = [
  '/SECOND_LIMIT',
  '/Second_Limit',
  '/%73econd_limit',
  '/%73ECOND_%6Cimit',
  '/second%5flimit',
  '/%2573econd_limit',
  '//second_limit',
  '///second_limit',
  '/second_limit/',
  '/second_limit//',
  '/./second_limit',
  '/x/../second_limit',
  '/%2e/second_limit',
  '/x/%2e%2e/second_limit',
  '/%2fsecond_limit',
  '/second_limit?x=1',
  '/second_limit/?x=1',
  '/second_limit#x',
  '/second_limit;x=1',
  '/second_limit%3Fx',
  '/second_limit/.',
  '/second_limit/x/..',
  'http://localhost/second_limit',
  'HTTP://LOCALHOST/SECOND_LIMIT',
  'http://localhost//second_limit',
  'http://localhost/x/../second_limit',
  'http://localhost/second_limit?x=1',
];
const EXACT = [
  '/EXACT',
  '/exact/',
  '/exact//',
  '/exact?x=1',
  '/exact/?x=1',
  '/%65xact',
  '/exact%2F',
  '/exact;x',
  '/exact/.',
  'http://localhost/exact/',
  'http://localhost/EXACT',
];

/** Spellings that do reach the handler: they prove the attempts are not all 404s. */
const REACHING: Record<Platform, string[]> = {
  express: [
    '/SECOND_LIMIT',
    '/second_limit/',
    '/second_limit?x=1',
    'http://localhost/second_limit',
    '/exact/',
    '/towns/a%2F..%2F..%2Fx',
    '/files/a%2Fb',
    '/assets/../x',
  ],
  fastify: [
    '/%73econd_limit',
    '/second%5flimit',
    '/second_limit?x=1',
    'http://localhost/second_limit',
    '/%65xact',
    '/towns/a%2F..%2F..%2Fx',
    '/files/a%2Fb',
    '/assets/../x',
  ],
};

/**
 * Bypass attempts: a spelling of a limited path may be refused by the router (404), but when it
 * reaches the handler it must use the same counter as the plain spelling. Sent with raw
 * http.request, so no client normalises them first.
 */
describe.each(PLATFORMS)('path spelling on %s', (platform) => {
  let app: INestApplication;
  let url: string;
  const reaching = new Set<string>();

  beforeAll(async () => {
    app = await createApp(platform, {
      imports: [PathSpellingAppModule.register(platform, new FakeClock(), headerAuth())],
    });
    url = await listen(app);
  });
  afterAll(() => app.close());

  it.each([
    ...SECOND_LIMIT.map((spelling) => ['/second_limit', spelling]),
    ...EXACT.map((spelling) => ['/exact', spelling]),
    ['/towns/1', '/towns/a%2F..%2F..%2Fx'],
    ['/towns/1', '/towns/..%2F..%2Fsecond_limit'],
    ['/files/a', '/files/a%2Fb'],
    ['/files/a', '/files/a%2F..'],
    ['/assets/x', '/assets/../x'],
    ['/assets/x', '/assets/%2e%2e/x'],
    ['/assets/x', '/assets/..%2Fx'],
    ['/assets/x', '/assets/x/../../../x'],
  ])('%s spelled %s is limited wherever it reaches the handler', async (plain, spelling) => {
    if (await expectSameCounter(url, plain, spelling)) reaching.add(spelling);
  });

  it('the attempts include spellings that reach the handler', () => {
    expect([...reaching]).toEqual(expect.arrayContaining(REACHING[platform]));
  });
});
