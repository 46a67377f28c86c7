import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './scenarios.js';
import {
  DIAGNOSTIC_VARIANT_NAMES,
  isVariantName,
  PLATFORM_NAMES,
  VARIANT_NAMES,
  type PlatformName,
  type VariantName,
} from '../variants/variants.js';

/** Settings of one harness run (`npm run bench -- [flags]`). */
export interface BenchOptions {
  quick: boolean;
  /** Rounds of interleaved measurements (every variant once per round and scenario). */
  rounds: number;
  /** Seconds of load per measurement. */
  duration: number;
  /** Seconds of unrecorded load per variant and scenario before the first round. */
  warmup: number;
  connections: number;
  platforms: PlatformName[];
  variants: VariantName[];
  scenarios: ScenarioName[];
  /** Directory receiving RESULTS.md, ratios.svg and results.json. */
  out: string;
  /** Also run the MemoryStorage micro-benchmark. */
  micro: boolean;
  /** Create the Redis variants' ioredis clients with `enableAutoPipelining` (both libraries alike). */
  redisAutoPipelining: boolean;
  /** Distinct clients of the `keys` scenario. */
  keys: number;
  /** Record a CPU profile of every variant process (`--cpu-prof`) and summarise it. */
  profile: boolean;
  /**
   * Start every variant process anew each round (and warm it up), so that a process that runs slow
   * or fast for its whole life (JIT, placement on the VM's CPUs) counts in one round only; false:
   * one process per variant for the whole run (`--same-processes`, and always with `--profile`).
   */
  freshProcesses: boolean;
}

export const USAGE = `Usage: npm run bench -- [flags]
  --quick              smoke run: 1 round of 0.5 s, short micro-benchmarks, results in bench/.tmp/quick
  --rounds N           interleaved rounds (default 6)
  --duration S         seconds of load per variant, scenario and round (default 2.5)
  --warmup S           seconds of unrecorded load per variant and scenario first (default 1), every round
  --same-processes     one process per variant for the whole run (default: new processes every round)
  --connections N      concurrent connections (default 10)
  --platforms a,b      ${PLATFORM_NAMES.join(',')}
  --variants a,b       ${VARIANT_NAMES.join(',')} (diagnostic, only when named: ${DIAGNOSTIC_VARIANT_NAMES.join(',')})
  --scenarios a,b      ${SCENARIO_NAMES.join(',')}
  --keys N             distinct clients in the keys scenario (default 10000)
  --out DIR            where RESULTS.md, ratios.svg and results.json go (default bench)
  --no-micro           skip the micro-benchmarks
  --redis-autopipelining  ioredis enableAutoPipelining for both Redis variants
  --profile            write a CPU profile of each variant process and summarise its top functions`;

function list<T extends string>(value: string, valid: (name: string) => name is T, flag: string): T[] {
  const names = value.split(',').filter(Boolean);
  for (const name of names) if (!valid(name)) throw new Error(`Unknown value "${name}" for ${flag}.\n${USAGE}`);
  return names as T[];
}

function positive(value: string | undefined, flag: string): number {
  const number = Number(value);
  if (!(number > 0)) throw new Error(`${flag} needs a number > 0, got ${JSON.stringify(value)}.\n${USAGE}`);
  return number;
}

/** Parses the command line; flags given override the defaults of full or `--quick` mode. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    quick,
    rounds: quick ? 1 : 6,
    duration: quick ? 0.5 : 2.5,
    warmup: quick ? 0.25 : 1,
    connections: 10,
    platforms: [...PLATFORM_NAMES],
    variants: [...VARIANT_NAMES],
    scenarios: [...SCENARIO_NAMES],
    out: quick ? 'bench/.tmp/quick' : 'bench',
    micro: true,
    profile: false,
    redisAutoPipelining: false,
    keys: 10_000,
    freshProcesses: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    switch (flag) {
      case '--quick':
        break;
      case '--rounds':
        options.rounds = Math.round(positive(value(), flag));
        break;
      case '--duration':
        options.duration = positive(value(), flag);
        break;
      case '--warmup':
        options.warmup = Number(value());
        break;
      case '--connections':
        options.connections = Math.round(positive(value(), flag));
        break;
      case '--platforms':
        options.platforms = list(value(), (name): name is PlatformName => PLATFORM_NAMES.includes(name as any), flag);
        break;
      case '--variants':
        options.variants = list(value(), isVariantName, flag);
        break;
      case '--scenarios':
        options.scenarios = list(value(), isScenarioName, flag);
        break;
      case '--out':
        options.out = value();
        break;
      case '--no-micro':
        options.micro = false;
        break;
      case '--keys':
        options.keys = Math.round(positive(value(), flag));
        break;
      case '--redis-autopipelining':
        options.redisAutoPipelining = true;
        break;
      case '--profile':
        options.profile = true;
        options.freshProcesses = false; // one profile per variant
        break;
      case '--same-processes':
        options.freshProcesses = false;
        break;
      default:
        throw new Error(`Unknown flag ${flag}.\n${USAGE}`);
    }
  }
  return options;
}
