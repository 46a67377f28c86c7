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

/**
 * Median extra ns of CPU time per call of `variant` over `baseline` (each makes `batch` calls),
 * timed in alternating rounds, the order swapped every round. CPU time (`process.cpuUsage`, user +
 * system), not wall time: on a shared machine a round that is descheduled for a while would
 * otherwise count the wait; alternating rounds make a change of load hit both alike.
 */
export async function pairedExtraNs(
  baseline: () => Promise<void>,
  variant: () => Promise<void>,
  rounds: number,
  batch: number,
): Promise<number> {
  const time = async (run: () => Promise<void>) => {
    const start = process.cpuUsage();
    await run();
    const { user, system } = process.cpuUsage(start);
    return (user + system) * 1000; // µs -> ns
  };
  const extra: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0 ? baseline : variant;
    const a = await time(first);
    const b = await time(first === baseline ? variant : baseline);
    extra.push((first === baseline ? b - a : a - b) / batch);
  }
  extra.sort((a, b) => a - b);
  return extra[Math.floor(extra.length / 2)];
}
