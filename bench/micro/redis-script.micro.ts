/**
 * Redis CPU per rate-limit call: redis-server's own time per EVALSHA (`INFO commandstats`
 * usec_per_call) of RedisStorage's script, per algorithm, against a reference script that only runs
 * the commands a request needs of Redis (HMGET 3 fields, TIME, HSET 3 fields, PEXPIRE), all in one
 * run on one fresh redis-server, and the previous version of the script for comparison. Each case: `CALLS` calls of 3 stacked limits (second, minute, hour,
 * as the `stacked` scenario) over `IDENTITIES` identity hashes, sent `IN_FLIGHT` at a time through
 * one ioredis client. The machine may be shared: the cases run interleaved in `ROUNDS` rounds and
 * each reports its lowest round (the least disturbed). Prints one JSON object (`RedisCpuResults`)
 * on its last line. `--quick` runs fewer calls and one round.
 */
import { Redis } from 'ioredis';
import { RedisStorage, type Algorithm, type ConsumeRequest } from '../../lib/index.js';
import { compileRule } from '../../lib/rules/rule-compiler.js';
import { identityKey } from '../../lib/utils/keys.js';
import { LEGACY_CONSUME_SCRIPT } from '../../test/redis/support/legacy-consume-script.js';
import { RedisServer } from '../harness/redis-server.js';
import { UNREACHABLE } from '../variants/bench.routes.js';

/** One measured case. */
export interface RedisCpuCase {
  name: string;
  /** The algorithm of RedisStorage's script; undefined for the reference and INCR. */
  algorithm?: Algorithm;
  /** Identity hashes the calls go to in turn. */
  identities: number;
  /** redis-server µs per EVALSHA (INFO commandstats usec_per_call). */
  usecPerCall: number;
  /** Against the reference script of the same run. */
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
const CALLS = quick ? 4000 : 20_000;
const ROUNDS = quick ? 1 : 5;
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

/** Sends `CALLS` calls, `IN_FLIGHT` at a time, and returns redis-server's µs per EVALSHA for them. */
async function usecPerCall(client: Redis, call: (i: number) => Promise<unknown>, command = 'evalsha'): Promise<number> {
  for (let i = 0; i < IN_FLIGHT * 5; i++) await call(i); // warm: script loaded, hashes exist
  await client.config('RESETSTAT');
  for (let sent = 0; sent < CALLS; sent += IN_FLIGHT) {
    await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => call(sent + i)));
  }
  const info = await client.info('commandstats');
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+),usec=\\d+,usec_per_call=([\\d.]+)`, 'm').exec(info);
  if (match === null) throw new Error(`No cmdstat_${command} in INFO commandstats:\n${info}`);
  return Number(match[2]);
}

async function main(): Promise<void> {
  const server = await RedisServer.start();
  const client = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
  await client.connect();
  try {
    const users = Array.from({ length: IDENTITIES }, (_, i) => `bench-user-${i}`);
    const fields = requestOf('fixed-window', 'x').limits.map((limit) => limit.key);
    const referenceSha = String(await client.script('LOAD', REFERENCE_SCRIPT));
    const storageCase = (algorithm: Algorithm, identities: number) => {
      const storage = new RedisStorage(client);
      const requests = Array.from({ length: identities }, (_, i) =>
        requestOf(algorithm, `${algorithm}-${identities}-${i}`),
      );
      return {
        name: `RedisStorage script, 3 ${algorithm} limits${identities === IDENTITIES ? '' : `, ${identities.toLocaleString('en')} identities`}`,
        algorithm,
        identities,
        call: (i: number) => Promise.resolve(storage.consume(requests[i % identities])),
      };
    };
    // The script before this version, with its 23 arguments, for comparison in the same run.
    const legacySha = String(await client.script('LOAD', LEGACY_CONSUME_SCRIPT));
    const legacyCase = (algorithm: Algorithm) => {
      const requests = users.map((user) => requestOf(algorithm, `legacy-${algorithm}-${user}`));
      const args = requests.map((request) => {
        const list: (string | number)[] = [request.identityKey, '', 0, 0, request.limits.length, request.blocks.length];
        for (const limit of request.limits)
          list.push(limit.key, limit.limit, limit.windowMs, limit.algorithm, limit.block + 1);
        for (const block of request.blocks) list.push(block.key, block.durationMs);
        return list;
      });
      return {
        name: `previous script (before this version), 3 ${algorithm} limits`,
        identities: IDENTITIES,
        call: (i: number) => client.evalsha(legacySha, 1, ...args[i % IDENTITIES]),
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
      ...ALGORITHMS.map((algorithm) => legacyCase(algorithm)),
      {
        name: 'plain INCR',
        identities: IDENTITIES,
        command: 'incr',
        call: (i) => client.incr(`incr:${i % IDENTITIES}`),
      },
    ];
    const lowest = cases.map(() => Infinity);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, { call, command }] of cases.entries()) {
        lowest[i] = Math.min(lowest[i], await usecPerCall(client, call, command));
      }
    }
    const reference = lowest[0];
    const toCase = (i: number): RedisCpuCase => ({
      name: cases[i].name,
      algorithm: cases[i].algorithm,
      identities: cases[i].identities,
      usecPerCall: lowest[i],
      ratio: lowest[i] / reference,
      requestsPerCore: 1e6 / lowest[i],
    });
    const results: RedisCpuResults = {
      redisVersion: server.version,
      calls: CALLS,
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
