/**
 * MemoryStorage micro-benchmark (tinybench): ns per consume with 3 limits for one hot key and
 * across 100,000 keys, through the storage alone and through RateLimitService.limit (the engine
 * the guard calls), and heap bytes per tracked key-limit. Run with `node --expose-gc`; prints
 * one JSON object (`MicroResults`) on its last line. `--quick` shortens every task.
 */
import { Bench } from 'tinybench';
import { MemoryStorage, type ConsumeRequest } from '../../lib/index.js';
import type { ResolvedRateLimitOptions } from '../../lib/rate-limit.options.js';
import { RateLimitService } from '../../lib/rate-limit.service.js';
import type { CompiledRule } from '../../lib/rules/rule-compiler.js';
import { RuleList } from '../../lib/rules/rule-list.js';
import { identityKey } from '../../lib/utils/keys.js';
import { UNREACHABLE } from '../variants/bench.routes.js';
import { nsPerCall } from './tinybench.js';

/** Results of the micro-benchmark; times in ns per consume. */
export interface MicroResults {
  storageHotNs: number;
  storageKeysNs: number;
  serviceHotNs: number;
  serviceKeysNs: number;
  keys: number;
  limitsPerKey: number;
  /** Heap growth after tracking `keys` identities with `limitsPerKey` limits each, per key-limit. */
  bytesPerKeyLimit: number;
}

const KEYS = 100_000;
/** Consumes per tinybench iteration: one call takes well under a µs, below the timer's resolution. */
const BATCH = 1000;

const settings: ResolvedRateLimitOptions = {
  config: {},
  algorithm: 'fixed-window',
  headers: 'draft',
  keyPrefix: 'ratelimit',
  onStorageError: 'fallback',
  dryRun: false,
};
const list = new RuleList(
  { kind: 'route', id: 'BenchController.limited', label: 'micro-benchmark' },
  [{ second: UNREACHABLE, minute: UNREACHABLE, hour: UNREACHABLE }],
  settings,
);
const rule: CompiledRule = list.select('default', 'GET')!;

/** The request RateLimitService.limit builds for one selected rule. */
function consumeRequest(user: string): ConsumeRequest {
  return {
    identityKey: identityKey(settings.keyPrefix, user),
    limits: rule.limits.map((limit) => ({
      key: limit.key,
      limit: limit.limit,
      windowMs: limit.windowMs,
      algorithm: limit.algorithm,
      block: 0,
    })),
    blocks: [rule.block],
    peek: false,
  };
}

const users = Array.from({ length: KEYS }, (_, i) => `user-${i}`);

function collect(): number {
  for (let i = 0; i < 3; i++) global.gc!();
  return process.memoryUsage().heapUsed;
}

/** Heap growth per key-limit after one consume for each of `KEYS` identities. */
function bytesPerKeyLimit(): number {
  if (typeof global.gc !== 'function') return Number.NaN;
  const storage = new MemoryStorage();
  const before = collect();
  for (const user of users) storage.consume(consumeRequest(user));
  const after = collect();
  if (storage.size !== KEYS) throw new Error(`expected ${KEYS} tracked identities, found ${storage.size}`);
  return (after - before) / (KEYS * rule.limits.length);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const bytes = bytesPerKeyLimit();

  const storage = new MemoryStorage();
  const hot = consumeRequest('hot-client');
  const requests = users.map(consumeRequest);
  for (const request of requests) storage.consume(request);
  const service = new RateLimitService(settings, new MemoryStorage());
  const hotIdentity = { user: 'hot-client', group: 'default' };
  const identities = users.map((user) => ({ user, group: 'default' }));
  const rules = [rule];
  for (const identity of identities) await service.limit(identity, rules);

  let next = 0;
  const bench = new Bench({ time: quick ? 100 : 1500, warmupTime: quick ? 20 : 300 });
  bench
    .add('storage-hot', () => {
      for (let i = 0; i < BATCH; i++) storage.consume(hot);
    })
    .add('storage-keys', () => {
      for (let i = 0; i < BATCH; i++) {
        storage.consume(requests[next]);
        next = next === KEYS - 1 ? 0 : next + 1;
      }
    })
    .add('service-hot', async () => {
      for (let i = 0; i < BATCH; i++) await service.limit(hotIdentity, rules);
    })
    .add('service-keys', async () => {
      for (let i = 0; i < BATCH; i++) {
        await service.limit(identities[next], rules);
        next = next === KEYS - 1 ? 0 : next + 1;
      }
    });
  await bench.run();
  const ns = (name: string) => nsPerCall(bench, name, BATCH);
  const results: MicroResults = {
    storageHotNs: ns('storage-hot'),
    storageKeysNs: ns('storage-keys'),
    serviceHotNs: ns('service-hot'),
    serviceKeysNs: ns('service-keys'),
    keys: KEYS,
    limitsPerKey: rule.limits.length,
    bytesPerKeyLimit: bytes,
  };
  console.log(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
