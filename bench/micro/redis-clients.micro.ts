/**
 * RedisStorage per client library, without HTTP: app CPU µs and wall µs per `consume` (3 limits,
 * one identity, 10 in flight), for ioredis (with and without `coalesceWrites`), node-redis (default options, and with its per-command
 * timeout off), node-redis RESP3 and iovalkey, each fail-fast as README recommends. Interleaved
 * rounds against one redis-server; prints a table and, on its last line, the JSON of the medians.
 * Not part of `npm run bench`: run `npx tsc -p tsconfig.bench.json && node
 * bench/.tmp/build/bench/micro/redis-clients.micro.js [--quick]` (see PROFILE.md).
 */
import { Redis as Ioredis } from 'ioredis';
import { Redis as Iovalkey } from 'iovalkey';
import { createClient } from 'redis';
import {
  RedisStorage,
  type ConsumeRequest,
  type RedisScriptClient,
  type RedisStorageOptions,
} from '../../lib/index.js';
import { RedisServer } from '../harness/redis-server.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 5;
const CALLS = quick ? 2_000 : 20_000;
const IN_FLIGHT = 10;

interface Kind {
  name: string;
  /** Options of the kind's RedisStorage. */
  storage?: RedisStorageOptions;
  connect(port: number): Promise<{ client: RedisScriptClient; close(): Promise<void> }>;
}

function nodeRedis(name: string, options: { RESP?: 2 | 3; commandOptions?: { timeout: number } }): Kind {
  return {
    name,
    async connect(port) {
      const client = createClient({ socket: { host: '127.0.0.1', port }, disableOfflineQueue: true, ...options });
      client.on('error', () => {});
      await client.connect();
      return { client, close: async () => client.destroy() };
    },
  };
}

/** What the micro-benchmark uses of an ioredis or iovalkey client. */
interface IoredisLike {
  on(event: string, listener: () => void): unknown;
  once(event: string, listener: (value: unknown) => void): unknown;
  disconnect(): void;
}

function ioredisFamily(name: string, Redis: new (options: object) => IoredisLike): Kind {
  return {
    name,
    async connect(port) {
      const client = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      await new Promise((resolve) => client.once('ready', resolve));
      return { client: client as unknown as RedisScriptClient, close: async () => client.disconnect() };
    },
  };
}

const KINDS: Kind[] = [
  ioredisFamily('ioredis', Ioredis as never),
  { ...ioredisFamily('ioredis, coalesceWrites false', Ioredis as never), storage: { coalesceWrites: false } },
  nodeRedis('node-redis', {}),
  nodeRedis('node-redis, commandOptions.timeout 0', { commandOptions: { timeout: 0 } }),
  nodeRedis('node-redis RESP3', { RESP: 3 }),
  ioredisFamily('iovalkey', Iovalkey as never),
];

const request: ConsumeRequest = {
  identityKey: 'bench:{micro}',
  limits: [
    { key: ':s', limit: 1e9, windowMs: 1_000, algorithm: 'fixed-window', block: 0 },
    { key: ':m', limit: 1e9, windowMs: 60_000, algorithm: 'fixed-window', block: 0 },
    { key: ':h', limit: 1e9, windowMs: 3_600_000, algorithm: 'fixed-window', block: 0 },
  ],
  blocks: [{ key: ':b', durationMs: 0 }],
};

/** `CALLS` consumes, `IN_FLIGHT` at a time: app CPU and wall time per call, in µs. */
async function measure(storage: RedisStorage): Promise<{ cpuUs: number; wallUs: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < CALLS) await storage.consume(request);
    }),
  );
  const wallUs = Number(process.hrtime.bigint() - start) / 1000 / CALLS;
  const { user, system } = process.cpuUsage(cpu);
  return { cpuUs: (user + system) / CALLS, wallUs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const server = await RedisServer.start();
const connected = await Promise.all(KINDS.map((kind) => kind.connect(server.port)));
const storages = connected.map(({ client }, i) => new RedisStorage(client, KINDS[i].storage));
const samples = KINDS.map(() => ({ cpuUs: [] as number[], wallUs: [] as number[] }));
try {
  for (const storage of storages) await measure(storage); // warm-up: JIT, script loaded
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, storage] of storages.entries()) {
      const { cpuUs, wallUs } = await measure(storage);
      samples[i].cpuUs.push(cpuUs);
      samples[i].wallUs.push(wallUs);
    }
  }
} finally {
  await Promise.all(connected.map(({ close }) => close()));
  await server.stop();
}
const results = KINDS.map((kind, i) => ({
  client: kind.name,
  cpuUsPerCall: Number(median(samples[i].cpuUs).toFixed(1)),
  wallUsPerCall: Number(median(samples[i].wallUs).toFixed(1)),
  callsPerSecond: Math.round(1e6 / median(samples[i].wallUs)),
}));
console.log('| client | app CPU µs / consume | wall µs / consume | consumes / s |\n|---|---:|---:|---:|');
for (const r of results) console.log(`| ${r.client} | ${r.cpuUsPerCall} | ${r.wallUsPerCall} | ${r.callsPerSecond} |`);
console.log(JSON.stringify(results));
