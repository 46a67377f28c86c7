/**
 * Summarises what the diagnostic variants (`bench/variants/phases.variant.ts`) wrote: per stage, the
 * (lower) median CPU µs per request over its phases, and the median over cycles of its CPU per request minus
 * the reference stage's in the same cycle (with the interquartile range of those differences), and
 * its GC µs per request.
 * As a command: `node bench/.tmp/build/bench/profile/phases.js <file.json>... [--against <stage>]`
 * (default reference: the first stage).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PhaseRecord } from '../variants/phases.variant.js';

/** Phases with fewer requests (the load had not started, or had stopped) are left out. */
const MIN_REQUESTS = 20;
/** Cycles left out at the start (the guard's first calls compile and fill caches). */
const WARM_CYCLES = 2;

/** One stage's figures. */
export interface StageSummary {
  stage: string;
  cycles: number;
  /** Median CPU µs per request over the stage's phases. */
  medianUs: number;
  /** Median over cycles of (this stage - the reference stage), µs per request, and its quartiles. */
  diffUs: number;
  diffQ1: number;
  diffQ3: number;
  gcUsPerRequest: number;
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.floor(q * (sorted.length - 1))];
const median = (values: readonly number[]): number =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** The summary of one record, against `reference` (a stage name; default the first stage). */
export function summarisePhases(record: PhaseRecord, reference?: string): StageSummary[] {
  const stages = Object.keys(record.samples);
  const against = reference ?? stages[0];
  const cycles = Math.min(...stages.map((stage) => record.samples[stage].length));
  const perRequest = (stage: string, cycle: number) => {
    const { cpu, requests } = record.samples[stage][cycle];
    return requests >= MIN_REQUESTS ? cpu / requests : undefined;
  };
  return stages.map((stage) => {
    const own: number[] = [];
    const diffs: number[] = [];
    for (let cycle = WARM_CYCLES; cycle < cycles; cycle++) {
      const value = perRequest(stage, cycle);
      const base = perRequest(against, cycle);
      if (value === undefined || base === undefined) continue;
      own.push(value);
      diffs.push(value - base);
    }
    diffs.sort((a, b) => a - b);
    const requests = record.samples[stage].reduce((sum, sample) => sum + sample.requests, 0);
    return {
      stage,
      cycles: diffs.length,
      medianUs: median(own),
      diffUs: quantile(diffs, 0.5),
      diffQ1: quantile(diffs, 0.25),
      diffQ3: quantile(diffs, 0.75),
      gcUsPerRequest: ((record.gcMs[stage] ?? 0) * 1000) / requests,
    };
  });
}

function main(args: string[]): void {
  const at = args.indexOf('--against');
  const reference = at === -1 ? undefined : args[at + 1];
  const files = at === -1 ? args : args.filter((_, i) => i !== at && i !== at + 1);
  for (const file of files) {
    const record = JSON.parse(readFileSync(file, 'utf8')) as PhaseRecord;
    const rows = summarisePhases(record, reference);
    console.log(`${file}: ${record.variant} on ${record.platform}, phases of ${record.phaseMs} ms`);
    console.log(
      '| stage | cycles | CPU µs / req (median) | minus reference, same cycle (median) | quartiles | GC µs / req |',
    );
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const row of rows) {
      const sign = (value: number) => (value >= 0 ? '+' : '') + value.toFixed(2);
      console.log(
        `| ${row.stage} | ${row.cycles} | ${row.medianUs.toFixed(1)} | ${sign(row.diffUs)} | ` +
          `${sign(row.diffQ1)} .. ${sign(row.diffQ3)} | ${row.gcUsPerRequest.toFixed(2)} |`,
      );
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
