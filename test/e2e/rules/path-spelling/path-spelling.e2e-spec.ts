import type { INestApplication } from '@nestjs/common';
import { createApp, FakeClock, http, PLATFORMS, type Platform } from '../../../support/app.js';
import { as, headerAuth } from '../../../support/header-auth.js';
import { listen } from '../../../support/raw-request.js';
import { expectSameCounter } from './expect-same-counter.js';
import { PathSpellingAppModule, reached } from './app.module.js';
import { SPELLINGS } from './spellings.js';

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
    '/api\\admin#',
    '/API\\Admin#',
    'http://x/api\\admin\\users',
    '/api\\admin\\users#',
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

  it.each(SPELLINGS)('%s spelled %s is limited wherever it reaches the handler', async (plain, spelling) => {
    if (await expectSameCounter(url, plain, spelling)) reaching.add(spelling);
  });

  it('HEAD counts with GET, OPTIONS never reaches the GET handler, X-HTTP-Method-Override changes nothing', async () => {
    const before = reached.second_limit;
    expect((await http(app).get('/second_limit').set(as('methods-1'))).status).toBe(200);
    expect((await http(app).head('/second_limit').set(as('methods-1'))).status).toBe(429);
    expect((await http(app).head('/second_limit').set(as('methods-2'))).status).toBe(200);
    expect((await http(app).get('/second_limit').set(as('methods-2'))).status).toBe(429);
    await http(app).options('/second_limit').set(as('methods-1'));
    const override = await http(app).get('/second_limit').set(as('methods-1')).set('X-HTTP-Method-Override', 'POST');
    expect(override.status).toBe(429);
    expect(reached.second_limit - before).toBe(2); // the first GET and HEAD of each caller only
  });

  it('the attempts include spellings that reach the handler', () => {
    expect([...reaching]).toEqual(expect.arrayContaining(REACHING[platform]));
  });
});
