import type { Sample } from '../../bench/harness/measure.js';
import {
  inRoundOrder,
  pairedAppCpuDifference,
  pairedRatio,
  summarize,
  type Cell,
} from '../../bench/harness/summary.js';

/** A sample of `rps` req/s whose app spent `appCpu` µs per request, redis-server `redisCpu`. */
function sample(rps: number, appCpu: number, redisCpu = 0): Sample {
  const received = 1000;
  return {
    requests: received,
    rps,
    p50: 1,
    p99: 2,
    expected: received,
    unexpected: 0,
    received,
    redisSent: 0,
    redisExecuted: 0,
    cpu: appCpu * received,
    redisCpu: redisCpu * received,
    rss: 1,
  };
}

const cell = (variant: Cell['variant'], samples: Sample[]): Cell => ({
  platform: 'fastify',
  scenario: 'stacked',
  variant,
  samples,
});

describe('summarize', () => {
  // The machine's speed drifts between rounds (bare 100, 200, 400 req/s); the limiter is 0.95x bare in
  // two rounds of three, and a ratio of the medians (150 / 200) would say 0.75x.
  const [bare, memory, redis] = summarize([
    cell('bare', [sample(100, 80), sample(200, 40), sample(400, 20)]),
    cell('ratelimit-memory', [sample(95, 84), sample(150, 50), sample(380, 21)]),
    cell('ratelimit-redis', [sample(50, 100, 10), sample(90, 54, 5), sample(300, 33, 2)]),
  ]);

  it('pairs each round with the same round of bare, then takes the median over the rounds', () => {
    expect(memory.rps).toBe(150);
    expect(memory.ratio).toBeCloseTo(0.95);
    expect(memory.cpuRatio).toBeCloseTo(80 / 84); // rounds: 0.952, 0.8, 0.952
    expect(bare.ratio).toBe(1);
    expect(redis.cpuRatio).toBeCloseTo(40 / 59); // rounds: 80/110, 40/59, 20/35
  });

  it('compares any two variants the same way', () => {
    expect(pairedRatio(redis, memory, 'rps')).toBeCloseTo(90 / 150); // rounds: 0.526, 0.6, 0.789
    expect(pairedRatio(redis, memory, 'cpu')).toBeCloseTo(84 / 110); // app + redis-server per request
    expect(pairedAppCpuDifference(redis, memory)).toBe(12); // rounds: 16, 4, 12 (app CPU only)
  });
});

describe('inRoundOrder', () => {
  it('runs the variants in order in odd rounds and in reverse in even rounds', () => {
    const variants = ['bare', 'control', 'memory'];
    expect([1, 2, 3, 4].map((round) => inRoundOrder(variants, round).join(' '))).toEqual([
      'bare control memory',
      'memory control bare',
      'bare control memory',
      'memory control bare',
    ]);
    expect(variants).toEqual(['bare', 'control', 'memory']);
  });
});
