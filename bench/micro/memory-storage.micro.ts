/**
 * MemoryStorage micro-benchmark (tinybench): ns per consume with 3 limits for one hot key and
 * across 100,000 keys, through the storage alone and through RateLimitService.limit (the engine
 * the guard calls), heap bytes per tracked key-limit (3 limits per identity) and per identity with
 * one limit. Run with `node --expose-gc`; prints
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
  /** Heap growth after tracking `keys` identities with one limit each, per identity. */
  bytesPerIdentity: number;
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

/** The request RateLimitService.limit builds for one selected rule (its first `limits` limits). */
function consumeRequest(user: string, limits = rule.limits.length): ConsumeRequest {
  return {
    identityKey: identityKey(settings.keyPrefix, user),
    limits: rule.limits.slice(0, limits).map((limit) => ({
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

/** Heap growth per identity after one consume with `limits` limits for each of `KEYS` identities. */
function bytesPerIdentity(limits: number): number {
  if (typeof global.gc !== 'function') return Number.NaN;
  const storage = new MemoryStorage();
  const before = collect();
  // Requests built in the loop, as per request: the identity key each one builds stays as the storage's key.
  for (const user of users) storage.consume(consumeRequest(user, limits));
  const after = collect();
  if (storage.size !== KEYS) throw new Error(`expected ${KEYS} tracked identities, found ${storage.size}`);
  storage.close();
  return (after - before) / KEYS;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  // One limit first: V8 sizes MemoryStorage's entry objects after the first identities it stores,
  // so the second figure measured is up to 16 bytes per identity above its value alone.
  const bytesOneLimit = bytesPerIdentity(1);
  const bytesPerKeyLimit = bytesPerIdentity(rule.limits.length) / rule.limits.length;

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
    bytesPerKeyLimit,
    bytesPerIdentity: bytesOneLimit,
  };
  console.log(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
