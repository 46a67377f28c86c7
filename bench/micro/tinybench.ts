import type { Bench } from 'tinybench';

/**
 * Median ns per call of a tinybench task whose function makes `batch` calls (single calls are
 * below the timer's resolution). Throws when the task did not complete.
 */
export function nsPerCall(bench: Bench, task: string, batch: number): number {
  const result = bench.getTask(task)!.result;
  if (!('latency' in result)) throw new Error(`micro-benchmark task ${task} did not complete: ${result.state}`);
  return (result.latency.p50 * 1e6) / batch;
}
