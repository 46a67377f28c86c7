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
  /**
   * Median over the rounds of (rps / rps of `bare` on the same platform and scenario in the same
   * round): paired per round, so that the machine's speed, which drifts between rounds on a shared
   * VM, cancels out of each ratio.
   */
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
   * Median over the rounds of (bare's CPU per request / this variant's (app + redis-server) CPU per
   * request) in the same round: the throughput ratio to expect where CPU is the limit, and far less
   * sensitive to other load on the machine.
   */
  cpuRatio: number;
  /** Largest RSS seen after a measurement, bytes. */
  rss: number;
  /** Per round, in round order: rps, the app's CPU µs per request, and the app's + redis-server's. */
  perRound: { rps: number[]; appCpu: number[]; cpu: number[] };
}

/**
 * The variants in the order round `round` (from 1) runs them: odd rounds in order, even rounds in
 * reverse, so that a machine whose speed drifts during a round favours no variant over the rounds.
 */
export function inRoundOrder<T>(variants: readonly T[], round: number): readonly T[] {
  return round % 2 === 1 ? variants : [...variants].reverse();
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

export function summarize(cells: readonly Cell[]): Summary[] {
  const summaries = cells.map((cell): Summary => {
    const { samples } = cell;
    const received = sum(samples.map((s) => s.received));
    const perRound = {
      rps: samples.map((s) => s.rps),
      appCpu: samples.map((s) => s.cpu / s.received),
      cpu: samples.map((s) => (s.cpu + s.redisCpu) / s.received),
    };
    return {
      platform: cell.platform,
      scenario: cell.scenario,
      variant: cell.variant,
      unavailable: cell.unavailable,
      rounds: samples.length,
      requests: sum(samples.map((s) => s.requests)),
      rps: median(perRound.rps),
      p50: median(samples.map((s) => s.p50)),
      p99: median(samples.map((s) => s.p99)),
      ratio: Number.NaN,
      unexpected: sum(samples.map((s) => s.unexpected)),
      redisSentPerRequest: sum(samples.map((s) => s.redisSent)) / received,
      redisExecutedPerRequest: sum(samples.map((s) => s.redisExecuted)) / received,
      cpuPerRequest: median(perRound.appCpu),
      redisCpuPerRequest: median(samples.map((s) => s.redisCpu / s.received)),
      cpuRatio: Number.NaN,
      rss: Math.max(0, ...samples.map((s) => s.rss)),
      perRound,
    };
  });
  for (const summary of summaries) {
    const bare = summaries.find(
      (s) => s.variant === 'bare' && s.platform === summary.platform && s.scenario === summary.scenario,
    );
    if (bare === undefined) continue;
    summary.ratio = pairedRatio(summary, bare, 'rps');
    summary.cpuRatio = pairedRatio(summary, bare, 'cpu');
  }
  return summaries;
}

type Rounds = Summary['perRound'];

/**
 * How `ours` compares with `other` (another variant of the same platform and scenario), paired per
 * round and the median taken over the rounds: by `rps`, ours / other's; by `cpu` (CPU per request
 * of the app and redis-server), other's / ours, i.e. the throughput ratio where CPU is the limit.
 */
export function pairedRatio(ours: Summary, other: Summary, by: 'rps' | 'cpu'): number {
  return by === 'rps'
    ? pairedMedian(ours, other, (a, b, i) => a.rps[i] / b.rps[i])
    : pairedMedian(ours, other, (a, b, i) => b.cpu[i] / a.cpu[i]);
}

/** Median over the rounds of ours' app CPU per request minus other's in the same round, µs. */
export function pairedAppCpuDifference(ours: Summary, other: Summary): number {
  return pairedMedian(ours, other, (a, b, i) => a.appCpu[i] - b.appCpu[i]);
}

/** Median over the rounds both ran of `compare` on their figures of round `i`. */
function pairedMedian(ours: Summary, other: Summary, compare: (a: Rounds, b: Rounds, i: number) => number): number {
  const rounds = Math.min(ours.perRound.rps.length, other.perRound.rps.length);
  const values: number[] = [];
  for (let i = 0; i < rounds; i++) values.push(compare(ours.perRound, other.perRound, i));
  return median(values);
}
