import { jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { RateLimitDecision, RateLimitModuleOptions } from '../../../../lib/index.js';
import { createApp, FakeClock, http, PLATFORMS, type Platform } from '../../../support/app.js';
import { as } from '../../../support/header-auth.js';
import { ObservabilityAppModule } from '../app.module.js';

async function boot(platform: Platform, options: RateLimitModuleOptions) {
  const app = await createApp(platform, {
    imports: [ObservabilityAppModule.register(new FakeClock(), new Registry(), options)],
  });
  return app;
}

/** The same traffic for every app: limited, rejected, blocked, shadow, unlimited and service calls. */
const TRAFFIC: [path: string, user: string][] = [
  ['/api/items', 'alice'],
  ['/api/items', 'alice'],
  ['/api/items', 'alice'],
  ['/api/items', 'alice'],
  ['/free', 'alice'],
  ['/api/stacked', 'bob'],
  ['/api/stacked', 'bob'],
  ['/block', 'carol'],
  ['/block', 'carol'],
  ['/block', 'carol'],
  ['/shadow', 'dave'],
  ['/shadow', 'dave'],
  ['/shadow', 'dave'],
  ['/metrics', 'alice'],
  ['/export', 'erin'],
];
const UNLIMITED = new Set(['/free', '/metrics']);

async function send(app: INestApplication) {
  const responses = [];
  for (const [path, user] of TRAFFIC) {
    const response = await http(app).get(path).set(as(user));
    responses.push({
      path,
      status: response.status,
      body: path === '/metrics' ? undefined : response.body,
      retryAfter: response.headers['retry-after'],
      rateLimit: response.headers['ratelimit'],
      policy: response.headers['ratelimit-policy'],
    });
  }
  return responses;
}

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
afterEach(() => {
  expect(unhandled).toEqual([]);
  unhandled = [];
  jest.restoreAllMocks();
});

describe.each(PLATFORMS)('onDecision on %s', (platform) => {
  let apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
  });

  it('one event per limited request (none for unlimited ones), matching the response', async () => {
    const events: RateLimitDecision[] = [];
    const app = await boot(platform, { onDecision: (event) => void events.push(event) });
    apps.push(app);
    const responses: { path: string; status: number; retryAfter?: string; rateLimit?: string }[] = [];
    const eventsPerRequest: number[] = [];
    for (const [path, user] of TRAFFIC) {
      const before = events.length;
      const { status, headers } = await http(app).get(path).set(as(user));
      eventsPerRequest.push(events.length - before);
      responses.push({ path, status, retryAfter: headers['retry-after'], rateLimit: headers['ratelimit'] });
    }
    expect(eventsPerRequest).toEqual(TRAFFIC.map(([path]) => (UNLIMITED.has(path) ? 0 : 1)));

    const guarded = responses.filter(({ path }) => !UNLIMITED.has(path) && path !== '/export');
    const guardEvents = events.filter((event) => event.context !== undefined);
    expect(guardEvents).toHaveLength(guarded.length);
    guarded.forEach((response, i) => {
      const event = guardEvents[i];
      const where = `${response.path} #${i}`;
      expect({ where, path: event.context!.switchToHttp().getRequest().url }).toEqual({ where, path: response.path });
      expect({ where, allowed: event.allowed }).toEqual({ where, allowed: response.status === 200 });
      const retryAfter = response.retryAfter === undefined ? 0 : Number(response.retryAfter);
      if (!event.dryRun) expect({ where, retryAfter: event.retryAfter }).toEqual({ where, retryAfter });
      const header = event.limits.map(
        (limit, j) => `"${j === 0 ? limit.name : `${limit.name}-${j + 1}`}";r=${limit.remaining};t=${limit.reset}`,
      );
      expect({ where, header: header.join(', ') }).toEqual({ where, header: response.rateLimit });
    });
    expect(guardEvents.map((event) => [event.identity.user, event.decision, event.blocked, event.dryRun])).toEqual([
      ['alice', 'allowed', false, false],
      ['alice', 'allowed', false, false],
      ['alice', 'allowed', false, false],
      ['alice', 'rejected', false, false],
      ['bob', 'allowed', false, false],
      ['bob', 'rejected', false, false],
      ['carol', 'allowed', false, false],
      ['carol', 'blocked', true, false],
      ['carol', 'blocked', true, false],
      ['dave', 'allowed', false, false],
      ['dave', 'allowed', false, false],
      ['dave', 'dry_run', false, true], // the shadow 2/min is exhausted; the enforced 5/min is not
    ]);
    expect(guardEvents[5].scopes).toEqual([
      { scope: 'route:ObservabilityController.stacked / api/stacked', decision: 'rejected' },
    ]);
    expect(guardEvents[11]).toMatchObject({
      allowed: true,
      scopes: [
        { scope: 'route:ObservabilityController.shadow / shadow', decision: 'dry_run' },
        { scope: 'pattern:^/shadow', decision: 'allowed' },
      ],
    });
    expect(guardEvents[11].retryAfter).toBeGreaterThan(0); // what the shadow limit would have made it wait

    // RateLimitService.consume: one event without a context; check() asks only, and is no decision.
    const service = events.filter((event) => event.context === undefined);
    expect(service).toEqual([
      expect.objectContaining({
        identity: { user: 'job', group: 'default' },
        allowed: true,
        scopes: [{ scope: 'service:export', decision: 'allowed' }],
      }),
    ]);
  });

  it('a callback that throws, or whose promise rejects, changes no response; the failure is logged once', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => {});
    const quiet = await boot(platform, { onDecision: () => {} });
    const throwing = await boot(platform, {
      onDecision: () => {
        throw new Error('tracing is down');
      },
    });
    const rejecting = await boot(platform, { onDecision: async () => Promise.reject(new Error('exporter closed')) });
    apps.push(quiet, throwing, rejecting);
    const expected = await send(quiet);
    expect(await send(throwing)).toEqual(expected);
    expect(await send(rejecting)).toEqual(expected);
    await new Promise((resolve) => setImmediate(resolve)); // let the rejections be handled
    const messages = error.mock.calls.map((args) => String(args[0]));
    expect(messages).toEqual([
      expect.stringMatching(
        /^onDecision threw \(the request was not affected\): tracing is down; further failures are reported at most once a minute\.$/,
      ),
      expect.stringMatching(/^onDecision threw .*: exporter closed/),
    ]);
  });

  it("the module's dryRun: every event allowed, those that would have been rejected marked dryRun", async () => {
    const events: RateLimitDecision[] = [];
    const app = await boot(platform, { dryRun: true, onDecision: (event) => void events.push(event) });
    apps.push(app);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await http(app).get('/api/items').set(as('alice'))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(events.map((event) => [event.allowed, event.dryRun, event.decision])).toEqual([
      [true, false, 'allowed'],
      [true, false, 'allowed'],
      [true, false, 'allowed'],
      [true, true, 'dry_run'],
      [true, true, 'dry_run'],
    ]);
    expect(events[4].retryAfter).toBeGreaterThan(0);
  });
});
