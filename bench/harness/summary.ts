import type { PlatformName, VariantName } from '../variants/variants.js';
import type { Sample } from './measure.js';
import type { ScenarioName } from './scenarios.js';

/** One variant in one scenario on one platform, over every round. */
export interface Cell {
  platform: PlatformName;
  scenario: ScenarioName;
  variant: VariantName;
  /** Why the variant did not run (e.g. not implemented yet); samples are then empty. */
  unavailable?: string;
  samples: Sample[];
}

/** Medians over the rounds of a cell, and its ratio to the bare app of the same run. */
export interface Summary {
  platform: PlatformName;
  scenario: ScenarioName;
  variant: VariantName;
  unavailable?: string;
  rounds: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Median rps / median rps of `bare` on the same platform and scenario. */
  ratio: number;
  /** Responses of another status than expected, and errors, over every round. */
  unexpected: number;
  /** Over every round: commands sent by the app's Redis client / requests its server received. */
  redisSentPerRequest: number;
  /** Over every round: commands executed by redis-server (incl. inside scripts) / requests. */
  redisExecutedPerRequest: number;
  /** Median over the rounds of the variant process's CPU time per request received, µs. */
  cpuPerRequest: number;
  /** Median over the rounds of redis-server's CPU time per request received, µs. */
  redisCpuPerRequest: number;
  /**
   * bare's CPU per request / this variant's (app + redis-server) CPU per request: the throughput
   * ratio to expect where CPU is the limit, and far less sensitive to other load on the machine.
   */
  cpuRatio: number;
  /** Largest RSS seen after a measurement, bytes. */
  rss: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

export function summarize(cells: readonly Cell[]): Summary[] {
  const bareRps = new Map<string, number>();
  const bareCpu = new Map<string, number>();
  for (const cell of cells) {
    if (cell.variant !== 'bare') continue;
    bareRps.set(`${cell.platform}/${cell.scenario}`, median(cell.samples.map((s) => s.rps)));
    bareCpu.set(`${cell.platform}/${cell.scenario}`, median(cell.samples.map((s) => s.cpu / s.received)));
  }
  return cells.map((cell) => {
    const { samples } = cell;
    const requests = sum(samples.map((s) => s.requests));
    const received = sum(samples.map((s) => s.received));
    const cpuPerRequest = median(samples.map((s) => s.cpu / s.received));
    const redisCpuPerRequest = median(samples.map((s) => s.redisCpu / s.received));
    const rps = median(samples.map((s) => s.rps));
    return {
      platform: cell.platform,
      scenario: cell.scenario,
      variant: cell.variant,
      unavailable: cell.unavailable,
      rounds: samples.length,
      requests,
      rps,
      p50: median(samples.map((s) => s.p50)),
      p99: median(samples.map((s) => s.p99)),
      ratio: rps / (bareRps.get(`${cell.platform}/${cell.scenario}`) ?? Number.NaN),
      unexpected: sum(samples.map((s) => s.unexpected)),
      redisSentPerRequest: sum(samples.map((s) => s.redisSent)) / received,
      redisExecutedPerRequest: sum(samples.map((s) => s.redisExecuted)) / received,
      cpuPerRequest,
      redisCpuPerRequest,
      cpuRatio: (bareCpu.get(`${cell.platform}/${cell.scenario}`) ?? Number.NaN) / (cpuPerRequest + redisCpuPerRequest),
      rss: Math.max(0, ...samples.map((s) => s.rss)),
    };
  });
}
