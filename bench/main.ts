/**
 * The benchmark harness (`npm run bench`, `npm run bench -- --quick`; see `USAGE`). Starts a
 * redis-server and each variant as its own process, loads them with autocannon in interleaved
 * rounds, runs the MemoryStorage micro-benchmark, and writes RESULTS.md, ratios.svg and
 * results.json. It measures; it never fails on a target.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parseOptions, type BenchOptions } from './harness/bench.options.js';
import { measure } from './harness/measure.js';
import { RedisServer } from './harness/redis-server.js';
import { keysScenario, SCENARIOS, type ScenarioName } from './harness/scenarios.js';
import { inRoundOrder, summarize, type Cell } from './harness/summary.js';
import { VariantProcess } from './harness/variant-process.js';
import type { GuardMicroResults } from './micro/guard.micro.js';
import type { MicroResults } from './micro/memory-storage.micro.js';
import type { RedisCpuResults } from './micro/redis-script.micro.js';
import { profileMarkdown, summarizeProfile } from './profile/cpu-profile.js';
import { describeMachine } from './report/machine.js';
import { ratiosSvg } from './report/ratios.svg.js';
import { resultsMarkdown, type RunResults } from './report/results.markdown.js';
import { ROUTES, USER_HEADER } from './variants/bench.routes.js';
import {
  REDIS_VARIANTS,
  UNLIMITED_VARIANTS,
  VARIANT_LABELS,
  type PlatformName,
  type VariantName,
} from './variants/variants.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from bench/.tmp/build/bench). */
const root = resolve(here, '../../../..');
const PROFILE_DIR = join(root, 'bench/.tmp/profiles');

const log = (line: string) => console.log(`[bench] ${line}`);

/** Starts every variant of one platform at once; unavailable ones are recorded as such. */
async function startVariants(options: BenchOptions, platform: PlatformName, redis: RedisServer) {
  const since = Date.now();
  const settled = await Promise.allSettled(
    options.variants.map((variant) =>
      VariantProcess.start(variant, platform, {
        entry: join(here, 'variants/variant.main.js'),
        redisPort: REDIS_VARIANTS.has(variant) ? redis.port : undefined,
        redisAutoPipelining: options.redisAutoPipelining,
        cpuProfileDir: options.profile ? join(PROFILE_DIR, `${platform}-${variant}`) : undefined,
      }),
    ),
  );
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    for (const result of settled)
      if (result.status === 'fulfilled' && 'stop' in result.value) await result.value.stop();
    throw failed.reason;
  }
  const started = settled.map(
    (result) => (result as PromiseFulfilledResult<VariantProcess | { unavailable: string }>).value,
  );
  const running: VariantProcess[] = [];
  const unavailable = new Map<VariantName, string>();
  started.forEach((process, i) => {
    if ('unavailable' in process) {
      log(`${platform} ${options.variants[i]}: not run (${process.unavailable})`);
      unavailable.set(options.variants[i], process.unavailable);
    } else {
      running.push(process);
    }
  });
  log(`${platform}: ${running.length} variant processes ready in ${((Date.now() - since) / 1000).toFixed(1)} s`);
  return { running, unavailable };
}

/** Puts the blocked client in its block, then runs every scenario once, unrecorded. */
async function warmUp(options: BenchOptions, target: VariantProcess): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${target.url}${ROUTES.blocked}`, { headers: { [USER_HEADER]: 'blocked-client' } });
    await response.arrayBuffer();
  }
  if (options.warmup <= 0) return;
  for (const scenario of options.scenarios) {
    await measure(
      target,
      SCENARIOS[scenario],
      0,
      { duration: options.warmup, connections: options.connections },
      undefined,
    );
  }
}

async function runPlatform(options: BenchOptions, platform: PlatformName, redis: RedisServer, cells: Cell[]) {
  const cellOf = new Map<string, Cell>();
  const cellFor = (variant: VariantName, scenario: ScenarioName, unavailable?: string): Cell => {
    let cell = cellOf.get(`${variant}/${scenario}`);
    if (cell === undefined) {
      cell = { platform, scenario, variant, unavailable, samples: [] };
      cells.push(cell);
      cellOf.set(`${variant}/${scenario}`, cell);
    }
    return cell;
  };
  const start = async () => {
    const started = await startVariants(options, platform, redis);
    try {
      for (const [variant, reason] of started.unavailable) {
        for (const scenario of options.scenarios) cellFor(variant, scenario, reason);
      }
      for (const target of started.running) {
        for (const scenario of options.scenarios) cellFor(target.variant, scenario);
      }
      for (const target of started.running) await warmUp(options, target);
      return started.running;
    } catch (error) {
      await Promise.all(started.running.map((target) => target.stop()));
      throw error;
    }
  };
  const stop = (running: readonly VariantProcess[]) => Promise.all(running.map((target) => target.stop()));
  const kept = options.freshProcesses ? undefined : await start();
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const running = kept ?? (await start());
      try {
        await runRound(options, platform, redis, round, running, cellFor);
      } finally {
        if (kept === undefined) await stop(running);
      }
    }
  } finally {
    if (kept !== undefined) await stop(kept);
  }
}

/** One round on one platform: every scenario once for every running variant. */
async function runRound(
  options: BenchOptions,
  platform: PlatformName,
  redis: RedisServer,
  round: number,
  running: readonly VariantProcess[],
  cellFor: (variant: VariantName, scenario: ScenarioName) => Cell,
): Promise<void> {
  for (const scenarioName of options.scenarios) {
    const scenario = SCENARIOS[scenarioName];
    for (const target of inRoundOrder(running, round)) {
      const expected = UNLIMITED_VARIANTS.has(target.variant) ? 200 : scenario.limitedStatus;
      const sample = await measure(
        target,
        scenario,
        expected,
        { duration: options.duration, connections: options.connections },
        REDIS_VARIANTS.has(target.variant) ? redis : undefined,
      );
      cellFor(target.variant, scenarioName).samples.push(sample);
      log(
        `round ${round}/${options.rounds} ${platform} ${scenarioName} ${target.variant}: ` +
          `${Math.round(sample.rps)} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms, ` +
          `app CPU ${(sample.cpu / sample.received).toFixed(1)} µs/req` +
          (sample.unexpected > 0 ? `, ${sample.unexpected} unexpected responses` : ''),
      );
    }
  }
}

/** Runs a micro-benchmark script in its own process and returns the JSON of its last line. */
function runMicro<T>(script: string, options: BenchOptions): T {
  log(`micro-benchmark ${script}`);
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', join(here, 'micro', script), ...(options.quick ? ['--quick'] : [])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(output.trim().split('\n').pop()!);
}

function profileSummaries(options: BenchOptions): string {
  const sections: string[] = [];
  for (const platform of options.platforms) {
    for (const variant of options.variants) {
      const dir = join(PROFILE_DIR, `${platform}-${variant}`);
      const file = existsSync(dir) ? readdirSync(dir).find((name) => name.endsWith('.cpuprofile')) : undefined;
      if (file === undefined) continue;
      const path = join(dir, file);
      sections.push(
        `### ${VARIANT_LABELS[variant]}, ${platform}`,
        '',
        `Profile \`${path.slice(root.length + 1)}\`; shares are of the non-idle samples.`,
        '',
        profileMarkdown(summarizeProfile(path, root, 15)),
        '',
      );
    }
  }
  return sections.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = parseOptions(args);
  keysScenario.distinct = options.keys;
  const started = Date.now();
  if (options.profile) rmSync(PROFILE_DIR, { recursive: true, force: true });
  const redis = await RedisServer.start();
  log(`redis-server ${redis.version} on port ${redis.port}`);
  const machine = describeMachine(root, redis.version);
  const cells: Cell[] = [];
  try {
    for (const platform of options.platforms) await runPlatform(options, platform, redis, cells);
  } finally {
    await redis.stop();
  }
  const run: RunResults = {
    date: new Date().toISOString(),
    command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
    options,
    machine,
    elapsed: 0,
    summaries: summarize(cells),
    micro: options.micro ? runMicro<MicroResults>('memory-storage.micro.js', options) : undefined,
    guardMicro: options.micro ? runMicro<GuardMicroResults>('guard.micro.js', options) : undefined,
    redisCpu: options.micro ? runMicro<RedisCpuResults>('redis-script.micro.js', options) : undefined,
    profiles: options.profile ? profileSummaries(options) : undefined,
  };
  run.elapsed = (Date.now() - started) / 1000;
  const out = resolve(root, options.out);
  mkdirSync(out, { recursive: true });
  const json = join(out, 'results.json');
  writeFileSync(json, await format(JSON.stringify(run), { filepath: json, ...(await resolveConfig(json)) }));
  writeFileSync(
    join(out, 'ratios.svg'),
    ratiosSvg(run.summaries, 'Throughput relative to bare NestJS (higher is better)'),
  );
  writeFileSync(join(out, 'RESULTS.md'), resultsMarkdown(run, 'ratios.svg'));
  log(`results in ${join(out, 'RESULTS.md')} (${Math.round(run.elapsed)} s)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
