import type { INestApplication } from '@nestjs/common';
import { Counter, Registry, register } from 'prom-client';
import { InvalidRateLimitConfigError, RateLimitModule, type RateLimitModuleOptions } from '../../../../lib/index.js';
import { createApp, FakeClock, http, PLATFORMS, type Platform } from '../../../support/app.js';
import { as } from '../../../support/header-auth.js';
import { parsePrometheusText, requestCounts } from '../../../support/prometheus-text.js';
import { ObservabilityAppModule } from '../app.module.js';

const USERS = ['alice-5f1e', 'bob-77c2', 'carol-9d0b', 'dave-31aa', 'erin-c4e8', 'frank-02bd'];
const [alice, bob, carol, dave, erin, frank] = USERS;

const zeros = { allowed: 0, rejected: 0, blocked: 0, dry_run: 0 };

async function boot(platform: Platform, options: RateLimitModuleOptions = {}, registry = new Registry()) {
  const clock = new FakeClock();
  const app = await createApp(platform, { imports: [ObservabilityAppModule.register(clock, registry, options)] });
  const statuses = async (path: string, user: string, count: number) => {
    const result: number[] = [];
    for (let i = 0; i < count; i++) result.push((await http(app).get(path).set(as(user))).status);
    return result;
  };
  const scrape = async () => {
    const response = await http(app).get('/metrics');
    expect(response.status).toBe(200);
    return parsePrometheusText(response.text);
  };
  return { app, registry, statuses, scrape };
}

describe.each(PLATFORMS)('Prometheus metrics on %s', (platform) => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('ratelimit_requests_total counts every limited call once per scope, with the decision the responses show', async () => {
    const registry = new Registry();
    const booted = await boot(platform, { metrics: { registry } }, registry);
    app = booted.app;
    const { statuses } = booted;
    expect(await statuses('/api/items', alice, 5)).toEqual([200, 200, 200, 429, 429]);
    expect(await statuses('/api/items', bob, 1)).toEqual([200]);
    expect(await statuses('/api/stacked', carol, 2)).toEqual([200, 429]); // the route's 1/min rejects
    expect([...(await statuses('/login-a', dave, 2)), ...(await statuses('/login-b', dave, 1))]).toEqual([
      200, 200, 429,
    ]); // one zone
    expect(await statuses('/block', erin, 3)).toEqual([200, 429, 429]); // rejected, then blocked
    expect(await statuses('/shadow', frank, 6)).toEqual([200, 200, 200, 200, 200, 429]); // only the enforced 5/min rejects
    expect(await statuses('/free', alice, 3)).toEqual([200, 200, 200]);
    expect((await http(app).get('/export')).body).toEqual({ allowed: true });
    expect((await http(app).get('/export')).body).toEqual({ allowed: false });

    const samples = await booted.scrape();
    expect(requestCounts(samples)).toEqual({
      'pattern:^/api': { ...zeros, allowed: 3 + 1 + 1, rejected: 2 },
      'route:ObservabilityController.stacked / api/stacked': { ...zeros, allowed: 1, rejected: 1 },
      'zone:login': { ...zeros, allowed: 2, rejected: 1 },
      'route:ObservabilityController.block / block': { ...zeros, allowed: 1, blocked: 2 },
      'pattern:^/shadow': { ...zeros, allowed: 5, rejected: 1 },
      'route:ObservabilityController.shadow / shadow': { ...zeros, allowed: 2, dry_run: 4 },
      'service:export': { ...zeros, allowed: 1, rejected: 1 },
    });

    // Scraping again shows the same totals (counts are handed to prom-client once).
    expect(requestCounts(await booted.scrape())).toEqual(requestCounts(samples));

    // No label of any sample takes a user id: labels come from the configuration only.
    const labelValues = samples.flatMap((sample) => Object.values(sample.labels));
    for (const user of [...USERS, 'job']) {
      expect(labelValues.filter((value) => value.includes(user))).toEqual([]);
    }
    const storageSamples = samples.filter((sample) => sample.name.startsWith('ratelimit_storage'));
    expect(storageSamples.find((sample) => sample.name === 'ratelimit_storage_fallback')?.value).toBe(0);
    expect(storageSamples.find((sample) => sample.name === 'ratelimit_storage_errors_total')?.value).toBe(0);
  });

  it('a shadow rule never rejects; the headers show it exhausted, the metrics count dry_run', async () => {
    const booted = await boot(platform, { metrics: true, headers: 'both' }, register);
    app = booted.app;
    const responses = [];
    for (let i = 0; i < 4; i++) responses.push(await http(app).get('/shadow').set(as(frank)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    expect(responses.map((response) => response.headers['ratelimit'])).toEqual([
      // the route's shadow 2/min first, then the config's enforced 5/min
      '"minute";r=1;t=60, "minute-2";r=4;t=60',
      '"minute";r=0;t=60, "minute-2";r=3;t=60',
      '"minute";r=0;t=60, "minute-2";r=2;t=60',
      '"minute";r=0;t=60, "minute-2";r=1;t=60',
    ]);
    expect(responses[3].headers['x-ratelimit-remaining']).toBe('0'); // the exhausted shadow limit is the tightest
    expect(responses[3].headers['retry-after']).toBeUndefined();
    const counts = requestCounts(parsePrometheusText(await register.metrics()));
    expect(counts['route:ObservabilityController.shadow / shadow']).toEqual({ ...zeros, allowed: 2, dry_run: 2 });
  });

  it("the module's dryRun: nothing is rejected; what would have been counts as dry_run", async () => {
    const booted = await boot(platform, { metrics: true, dryRun: true }, register);
    app = booted.app;
    expect(await booted.statuses('/api/items', alice, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(await booted.statuses('/block', erin, 3)).toEqual([200, 200, 200]);
    const counts = requestCounts(parsePrometheusText(await register.metrics()));
    expect(counts['pattern:^/api']).toEqual({ ...zeros, allowed: 3, dry_run: 2 });
    expect(counts['route:ObservabilityController.block / block']).toEqual({ ...zeros, allowed: 1, dry_run: 2 });
  });

  it("works with the app's own registry, beside its metrics, names prefixed; removed when the app closes", async () => {
    const registry = new Registry();
    const own = new Counter({ name: 'myapp_http_requests_total', help: 'app metric', registers: [registry] });
    own.inc(7);
    const booted = await boot(platform, { metrics: { registry, prefix: 'myapp_' } }, registry);
    app = booted.app;
    await booted.statuses('/api/items', alice, 4);
    const samples = await booted.scrape();
    expect(samples.find((sample) => sample.name === 'myapp_http_requests_total')?.value).toBe(7);
    expect(requestCounts(samples, 'myapp_ratelimit_requests_total')['pattern:^/api']).toEqual({
      ...zeros,
      allowed: 3,
      rejected: 1,
    });
    expect(register.getSingleMetric('ratelimit_requests_total')).toBeUndefined(); // not the global registry
    await app.close();
    app = undefined;
    expect(registry.getMetricsAsJSON().then((metrics) => metrics.map((metric) => metric.name))).resolves.toEqual([
      'myapp_http_requests_total',
    ]);
  });

  it('a second module on the same registry and prefix fails at bootstrap, naming the fix', async () => {
    const booted = await boot(platform, { metrics: true }, register);
    app = booted.app;
    const second = createApp(platform, { imports: [RateLimitModule.forRoot({ metrics: true })] });
    await expect(second).rejects.toThrow(InvalidRateLimitConfigError);
    await expect(createApp(platform, { imports: [RateLimitModule.forRoot({ metrics: true })] })).rejects.toThrow(
      /ratelimit_requests_total is already registered .*"metrics.prefix"/,
    );
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown key', { registy: new Registry() }, /Invalid RateLimitModule option "metrics": unknown key "registy"/],
    ['a registry that is not one', { registry: {} }, /"metrics.registry": expected a prom-client Registry/],
    ['a bad prefix', { prefix: 'my-app' }, /"metrics.prefix": "my-app"/],
    ['not a boolean or object', 'yes', /Invalid RateLimitModule option "metrics": "yes"/],
  ])('bad metrics option: %s fails at bootstrap', async (_case, metrics, message) => {
    await expect(
      createApp(platform, {
        imports: [RateLimitModule.forRoot({ metrics: metrics as RateLimitModuleOptions['metrics'] })],
      }),
    ).rejects.toThrow(message);
  });
});
