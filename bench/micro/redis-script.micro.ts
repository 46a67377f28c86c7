/**
 * Redis CPU per rate-limit call: redis-server's own time per EVALSHA (`INFO commandstats`
 * usec_per_call) of RedisStorage's scripts, per algorithm, against a reference script that only runs
 * the commands a request needs of Redis (HMGET 3 fields, TIME, HSET 3 fields, PEXPIRE), all in one
 * run on one fresh redis-server: each plan's own script (the default), the generic script
 * (`planScripts: 0`), the generic script on 0.1's fields (`compatibleWith: '0.1'`, for rolling upgrades),
 * and the previous version's script (two fields holding numbers per counter) for comparison. Each case: 3 stacked limits (second, minute, hour, as the `stacked` scenario) over
 * `IDENTITIES` identity hashes, sent `IN_FLIGHT` at a time through one ioredis client.
 *
 * Paired rounds: the machine may be shared, and its speed drifts by ±30 % within seconds, so the
 * cases run in turn in many short rounds (`CALLS` calls each), and a case's ratio is the median over
 * the rounds of its µs divided by the reference's µs in the same round; its µs is the median too.
 * Prints one JSON object (`RedisCpuResults`) on its last line. `--quick` runs fewer rounds.
 */
import { Redis } from 'ioredis';
import { RedisStorage, type Algorithm, type ConsumeRequest, type RedisStorageOptions } from '../../lib/index.js';
import { compileRule } from '../../lib/rules/rule-compiler.js';
import { identityKey } from '../../lib/utils/keys.js';
import { TWO_FIELD_CONSUME_SCRIPT, twoFieldArguments } from '../../test/redis/support/two-field-consume-script.js';
import { RedisServer } from '../harness/redis-server.js';
import { UNREACHABLE } from '../variants/bench.routes.js';

/** One measured case. */
export interface RedisCpuCase {
  name: string;
  /** The algorithm of RedisStorage's script; undefined for the reference and INCR. */
  algorithm?: Algorithm;
  /** Identity hashes the calls go to in turn. */
  identities: number;
  /** redis-server µs per EVALSHA (INFO commandstats usec_per_call), median of the rounds. */
  usecPerCall: number;
  /** Against the reference script: the median over the rounds of this case's µs / the reference's µs in that round. */
  ratio: number;
  /** 1e6 / usecPerCall: limited requests one Redis core serves per second, at this script cost alone. */
  requestsPerCore: number;
}

/** Results of the Redis CPU micro-benchmark. */
export interface RedisCpuResults {
  redisVersion: string;
  calls: number;
  rounds: number;
  identities: number;
  reference: RedisCpuCase;
  algorithms: RedisCpuCase[];
  /** Plain INCR, for scale. */
  incr: RedisCpuCase;
}

const quick = process.argv.includes('--quick');
const CALLS = 1000;
const ROUNDS = quick ? 5 : 40;
const IDENTITIES = 50;
/** Identities of the extra sliding-window case: a few hits each, so each log holds few pairs. */
const MANY_IDENTITIES = 5000;
const IN_FLIGHT = 100;
const ALGORITHMS: Algorithm[] = ['fixed-window', 'gcra', 'sliding-window'];

/** The commands one request needs of Redis, and nothing else: the floor a script is measured against. */
const REFERENCE_SCRIPT = `
local v = redis.call('HMGET', KEYS[1], ARGV[1], ARGV[2], ARGV[3])
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], ARGV[1], t[1], ARGV[2], t[2], ARGV[3], t[1])
redis.call('PEXPIRE', KEYS[1], 3600000)
return v[1]
`;

function requestOf(algorithm: Algorithm, user: string): ConsumeRequest {
  const rule = compileRule(
    { second: UNREACHABLE, minute: UNREACHABLE, hour: UNREACHABLE },
    { kind: 'route', id: 'BenchController.limited', label: 'bench' },
    { algorithm },
  );
  return {
    identityKey: identityKey('ratelimit', user),
    limits: rule.limits.map((limit) => ({ ...limit, block: 0 })),
    blocks: [rule.block],
  };
}

/** Sends `CALLS` calls, `IN_FLIGHT` at a time, and returns redis-server's µs per call of `command` for them. */
async function usecPerCall(client: Redis, call: (i: number) => Promise<unknown>, command = 'evalsha'): Promise<number> {
  await client.config('RESETSTAT');
  for (let sent = 0; sent < CALLS; sent += IN_FLIGHT) {
    await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => call(sent + i)));
  }
  const info = await client.info('commandstats');
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+),usec=\\d+,usec_per_call=([\\d.]+)`, 'm').exec(info);
  if (match === null) throw new Error(`No cmdstat_${command} in INFO commandstats:\n${info}`);
  return Number(match[2]);
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function main(): Promise<void> {
  const server = await RedisServer.start();
  const client = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
  await client.connect();
  try {
    const users = Array.from({ length: IDENTITIES }, (_, i) => `bench-user-${i}`);
    const fields = requestOf('fixed-window', 'x').limits.map((limit) => limit.key);
    const referenceSha = String(await client.script('LOAD', REFERENCE_SCRIPT));
    const storageCase = (algorithm: Algorithm, identities: number, options: RedisStorageOptions = {}) => {
      const storage = new RedisStorage(client, options);
      const requests = Array.from({ length: identities }, (_, i) =>
        requestOf(algorithm, `${algorithm}-${identities}-${JSON.stringify(options)}-${i}`),
      );
      const script =
        options.compatibleWith !== undefined
          ? "generic script on 0.1's fields (compatibleWith)"
          : options.planScripts === 0
            ? 'generic script'
            : 'script';
      return {
        name: `RedisStorage ${script}, 3 ${algorithm} limits${identities === IDENTITIES ? '' : `, ${identities.toLocaleString('en')} identities`}`,
        algorithm: script === 'script' ? algorithm : undefined,
        identities,
        call: (i: number) => Promise.resolve(storage.consume(requests[i % identities])),
      };
    };
    // The script of the previous version (0.1: two fields holding numbers per counter), for comparison.
    const previousSha = String(await client.script('LOAD', TWO_FIELD_CONSUME_SCRIPT));
    const previousCase = (algorithm: Algorithm) => {
      const args = users.map((user) => {
        const request = requestOf(algorithm, `previous-${algorithm}-${user}`);
        return [request.identityKey, ...twoFieldArguments(request, 0, 0)];
      });
      return {
        name: `previous version's script (0.1), 3 ${algorithm} limits`,
        identities: IDENTITIES,
        call: (i: number) => client.evalsha(previousSha, 1, ...args[i % IDENTITIES]),
      };
    };
    const cases: {
      name: string;
      algorithm?: Algorithm;
      identities: number;
      command?: string;
      call: (i: number) => Promise<unknown>;
    }[] = [
      {
        name: 'reference: HMGET 3 fields, TIME, HSET 3 fields, PEXPIRE',
        identities: IDENTITIES,
        call: (i) => client.evalsha(referenceSha, 1, identityKey('reference', users[i % IDENTITIES]), ...fields),
      },
      ...ALGORITHMS.map((algorithm) => storageCase(algorithm, IDENTITIES)),
      storageCase('sliding-window', MANY_IDENTITIES),
      ...ALGORITHMS.map((algorithm) => storageCase(algorithm, IDENTITIES, { planScripts: 0 })),
      ...ALGORITHMS.map((algorithm) => storageCase(algorithm, IDENTITIES, { compatibleWith: '0.1' })),
      ...ALGORITHMS.map((algorithm) => previousCase(algorithm)),
      {
        name: 'plain INCR',
        identities: IDENTITIES,
        command: 'incr',
        call: (i) => client.incr(`incr:${i % IDENTITIES}`),
      },
    ];
    for (const { call } of cases) for (let i = 0; i < IN_FLIGHT * 5; i++) await call(i); // warm: scripts loaded, hashes exist
    const rounds = cases.map((): number[] => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, { call, command }] of cases.entries()) rounds[i].push(await usecPerCall(client, call, command));
    }
    const toCase = (i: number): RedisCpuCase => {
      const usec = median(rounds[i]);
      return {
        name: cases[i].name,
        algorithm: cases[i].algorithm,
        identities: cases[i].identities,
        usecPerCall: usec,
        ratio: median(rounds[i].map((value, round) => value / rounds[0][round])),
        requestsPerCore: 1e6 / usec,
      };
    };
    const results: RedisCpuResults = {
      redisVersion: server.version,
      calls: CALLS * ROUNDS,
      rounds: ROUNDS,
      identities: IDENTITIES,
      reference: toCase(0),
      algorithms: cases.slice(1, -1).map((_, i) => toCase(1 + i)),
      incr: toCase(cases.length - 1),
    };
    console.log(JSON.stringify(results));
  } finally {
    client.disconnect();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
