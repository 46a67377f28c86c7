import type { INestApplication } from '@nestjs/common';
import { createApp, FakeClock, http, PLATFORMS } from '../../../support/app.js';
import { as, headerAuth } from '../../../support/header-auth.js';
import { listen } from '../../../support/raw-request.js';
import { ConcurrencyAppModule } from './app.module.js';

/** Counts the statuses of `count` requests sent all at once. */
async function burst(app: INestApplication, path: string, user: string, count: number) {
  const responses = await Promise.all(Array.from({ length: count }, () => http(app).get(path).set(as(user))));
  const statuses: Record<number, number> = {};
  for (const { status } of responses) statuses[status] = (statuses[status] ?? 0) + 1;
  return statuses;
}

describe.each(PLATFORMS)('concurrency on %s', (platform) => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createApp(platform, { imports: [ConcurrencyAppModule.register(new FakeClock(), headerAuth())] });
    await listen(app); // one server for all concurrent requests
  });
  afterAll(() => app.close());

  it('200 concurrent requests against a limit of 25: exactly 25 pass, 175 get 429', async () => {
    expect(await burst(app, '/burst', 'crowd', 200)).toEqual({ 200: 25, 429: 175 });
  });

  it('200 concurrent requests against a stacked route and pattern limit of 25: exactly 25 pass', async () => {
    expect(await burst(app, '/stacked', 'crowd', 200)).toEqual({ 200: 25, 429: 175 });
  });
});
