import autocannon from 'autocannon';
import type { RedisServer } from './redis-server.js';
import type { Scenario } from './scenarios.js';
import type { VariantProcess } from './variant-process.js';

/** Load settings of one measurement. */
export interface LoadSettings {
  /** Seconds of load. */
  duration: number;
  /** Concurrent keep-alive connections. */
  connections: number;
}

/** One measurement of one variant in one scenario (one round). */
export interface Sample {
  requests: number;
  /** Completed requests per second. */
  rps: number;
  /** Latency percentiles in ms (every response, including 429s). */
  p50: number;
  p99: number;
  /** Responses with the status the scenario expects of this variant. */
  expected: number;
  /** Other responses and socket errors or timeouts. */
  unexpected: number;
  /** Requests the variant's server received (autocannon abandons a few in flight when it stops). */
  received: number;
  /** Commands the variant's Redis client sent. */
  redisSent: number;
  /** Commands redis-server executed (INFO commandstats, including those inside scripts). */
  redisExecuted: number;
  /** CPU time of the variant process, µs. */
  cpu: number;
  /** CPU time of redis-server, µs (0 for variants without Redis). */
  redisCpu: number;
  /** RSS of the variant process after the measurement, bytes. */
  rss: number;
}

/** Runs `scenario` against `target` for `settings.duration` seconds and reads the counters around it. */
export async function measure(
  target: VariantProcess,
  scenario: Scenario,
  expectedStatus: number,
  settings: LoadSettings,
  redis: RedisServer | undefined,
): Promise<Sample> {
  const before = await target.stats();
  const executedBefore = redis ? await redis.commandCalls() : 0;
  const redisCpuBefore = redis ? await redis.cpuMicros() : 0;
  const result = await autocannon({
    url: target.url,
    connections: settings.connections,
    duration: settings.duration,
    requests: scenario.requests(),
    includeErrorStats: true,
  });
  const executedAfter = redis ? await redis.commandCalls() : 0;
  const redisCpuAfter = redis ? await redis.cpuMicros() : 0;
  const after = await target.stats();
  const expected = result.statusCodeStats[expectedStatus]?.count ?? 0;
  const requests = result.requests.total;
  return {
    requests,
    rps: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    expected,
    unexpected: requests - expected + result.errors + result.timeouts,
    received: after.requests - before.requests,
    redisSent: after.redisCommands - before.redisCommands,
    redisExecuted: executedAfter - executedBefore,
    cpu: after.cpu - before.cpu,
    redisCpu: redisCpuAfter - redisCpuBefore,
    rss: after.rss,
  };
}
