import { jest } from '@jest/globals';
import { Controller, Get, Header, Logger, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { RateLimitHealthIndicator, RedisStorage } from '../../lib/index.js';
import { createApp, http, PLATFORMS } from '../support/app.js';
import { parsePrometheusText, requestCounts } from '../support/prometheus-text.js';
import { RedisServer } from '../support/redis-harness.js';
import { redisAppModule } from './support/redis-app.module.js';

/** ioredis options that fail at once while Redis is down (requests then get the policy, not a wait). */
const FAIL_FAST = { enableOfflineQueue: false, maxRetriesPerRequest: 1 };

/** Polls `condition` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const registry = new Registry();

@Controller()
class ObservedController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly rateLimit: RateLimitHealthIndicator,
  ) {}

  @Get('health') @HealthCheck() check() {
    return this.health.check([() => this.rateLimit.isHealthy('ratelimit')]);
  }

  @Get('metrics') @Header('content-type', 'text/plain') metrics() {
    return registry.metrics();
  }
}

describe.each(PLATFORMS)('health indicator and storage metrics through a Redis outage on %s', (platform) => {
  let server: RedisServer;
  let client: Redis;
  let app: INestApplication;

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await app?.close();
    client?.disconnect();
    await server?.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  it('up while Redis answers; down (fallback in the details, gauge 1, errors counted) while it is killed; up again after the restart', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    client = await server.client(FAIL_FAST);
    client.on('error', () => {}); // connection errors while Redis is down are expected here
    const scenario = redisAppModule(new RedisStorage(client), { metrics: { registry } });
    app = await createApp(platform, {
      imports: [...scenario.imports!, TerminusModule.forRoot({ logger: false })],
      controllers: [...scenario.controllers!, ObservedController],
    });
    const scrape = async () => parsePrometheusText((await http(app).get('/metrics')).text);
    const value = async (name: string) => (await scrape()).find((sample) => sample.name === name)?.value;
    const five = async (user: string) => {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await http(app).get('/five').set('x-user', user)).status);
      return statuses;
    };
    const UP = { status: 'up', storage: 'RedisStorage', fallback: false, onStorageError: 'fallback' };

    const healthy = await http(app).get('/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body).toMatchObject({ status: 'ok', info: { ratelimit: UP } });
    expect(await five('before')).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await value('ratelimit_storage_duration_seconds_count')).toBeGreaterThanOrEqual(6 + 1); // 6 requests + the check
    expect(await value('ratelimit_storage_errors_total')).toBe(0);
    expect(await value('ratelimit_storage_fallback')).toBe(0);

    await server.kill();
    const down = await http(app).get('/health'); // no request needed first: the check asks Redis itself
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'error',
      error: { ratelimit: { status: 'down', storage: 'RedisStorage', fallback: true, message: expect.any(String) } },
    });
    expect(await value('ratelimit_storage_fallback')).toBe(1);
    expect(await five('during')).toEqual([200, 200, 200, 200, 200, 429]); // enforced in process meanwhile
    const errors = await value('ratelimit_storage_errors_total');
    expect(errors).toBeGreaterThanOrEqual(1);
    expect((await http(app).get('/health')).status).toBe(503);
    expect(await value('ratelimit_storage_errors_total')).toBeGreaterThan(errors!); // the second check failed too

    await server.restart();
    await until(async () => (await http(app).get('/health')).status === 200, 'the health check to be up again');
    expect((await http(app).get('/health')).body).toMatchObject({ status: 'ok', info: { ratelimit: UP } });
    expect(await value('ratelimit_storage_fallback')).toBe(0);
    expect(await five('after')).toEqual([200, 200, 200, 200, 200, 429]); // counted in Redis again
    const admin = await server.client();
    expect(await admin.exists('ratelimit:{after}')).toBe(1);
    admin.disconnect();

    const counts = requestCounts(await scrape())['route:RedisScenarioController.five / five'];
    expect(counts).toEqual({ allowed: 15, rejected: 3, blocked: 0, dry_run: 0 });
    const storageLines = warn.mock.calls
      .map((args) => String(args[0]))
      .filter((line) => line.startsWith('Rate limit storage'));
    expect(storageLines).toEqual([
      expect.stringMatching(/failed .*counting in this process/),
      expect.stringMatching(/answers again/),
    ]);
  });
});
