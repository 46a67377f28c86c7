import { createClient } from 'redis';
import { RedisStorage, type ConsumeRequest } from '../../lib/index.js';
import { planScript } from '../../lib/storage/redis.plan-script.js';
import {
  CLIENT_KINDS,
  kindsFor,
  type ClientKind,
  type ClientSpec,
  type TestClient,
  type Topology,
} from '../support/redis-clients.js';
import { freePort, RedisClusterServer, RedisServer } from '../support/redis-harness.js';

// What differs per client library: recognition by shape, the NOSCRIPT fallback (after SCRIPT FLUSH,
// on every node of a Cluster, and after a restart), readiness. The suites of test/redis run every
// kind for the rest.

const EXPECTED_KIND: Record<string, RegExp> = {
  ioredis: /^ioredis\/iovalkey (Redis|Cluster)$/,
  iovalkey: /^ioredis\/iovalkey (Redis|Cluster)$/,
  'node-redis': /^node-redis create(Client|Cluster)$/,
  'node-redis RESP3': /^node-redis create(Client|Cluster)$/,
};

/** Two hits allowed per minute on counter `:w` of `user`. */
const twoPerMinute = (user: string): ConsumeRequest => ({
  identityKey: `clients:{${user}}`,
  limits: [{ key: ':w', limit: 2, windowMs: 60_000, algorithm: 'fixed-window', block: 0 }],
  blocks: [{ key: ':b', durationMs: 0 }],
});

async function allowedSequence(storage: RedisStorage, request: ConsumeRequest, count: number): Promise<boolean[]> {
  const allowed: boolean[] = [];
  for (let i = 0; i < count; i++) allowed.push((await storage.consume(request)).allowed);
  return allowed;
}

let server: RedisServer;
let cluster: RedisClusterServer;
let sentinelMaster: RedisServer;
let sentinel: RedisServer;

beforeAll(async () => {
  [server, cluster, sentinelMaster] = await Promise.all([
    RedisServer.start(),
    RedisClusterServer.start(3),
    RedisServer.start(),
  ]);
  sentinel = await RedisServer.startSentinel(sentinelMaster, 'clients-master');
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.stop(), cluster?.stop(), sentinel?.stop(), sentinelMaster?.stop()]);
});

/** How to reach each topology's servers. */
const SPECS: Record<Topology, () => ClientSpec> = {
  plain: () => ({ port: server.port }),
  cluster: () => ({ nodes: cluster.startupNodes }),
  sentinel: () => ({ sentinel: { port: sentinel.port, name: 'clients-master' } }),
};

/** A RedisStorage on a client of `kind` made by `spec()` before the tests of the describe block, closed after them. */
function storageOn(kind: ClientKind, topology: Topology, spec: () => ClientSpec): () => RedisStorage {
  let made: TestClient | undefined;
  let storage: RedisStorage | undefined;
  beforeAll(async () => {
    made = await kind.create(topology, spec());
    storage = new RedisStorage(made.client);
  });
  afterAll(async () => {
    await storage?.onModuleDestroy();
    await made?.close();
  });
  return () => storage!;
}

describe.each(kindsFor('plain'))('RedisStorage on a $name client', (kind) => {
  const { name } = kind;
  const subject = storageOn(kind, 'plain', SPECS.plain);

  it('recognises the client by its shape', () => {
    expect(subject().clientKind).toMatch(EXPECTED_KIND[name]);
    expect(subject().clientKind).not.toMatch(/Cluster/);
  });

  it('runs again after SCRIPT FLUSH and after a Redis restart (NOSCRIPT falls back to EVAL, which loads it)', async () => {
    const admin = await server.client();
    const user = `flush-${name}`;
    expect(await allowedSequence(subject(), twoPerMinute(user), 1)).toEqual([true]);
    const { sha } = planScript(twoPerMinute(user).limits, twoPerMinute(user).blocks);
    await admin.script('FLUSH');
    expect(await admin.script('EXISTS', sha)).toEqual([0]);
    expect(await allowedSequence(subject(), twoPerMinute(user), 2)).toEqual([true, false]);
    expect(await admin.script('EXISTS', sha)).toEqual([1]);
    admin.disconnect();

    await server.kill();
    await server.restart(); // empty: no data, no scripts
    await subject().ready(10_000); // the client reconnects by itself
    expect(await allowedSequence(subject(), twoPerMinute(user), 3)).toEqual([true, true, false]);
  });

  it('ready() resolves at once for a ready client', async () => {
    await expect(subject().ready(0)).resolves.toBeUndefined();
  });
});

describe.each(kindsFor('cluster'))('RedisStorage on a $name Cluster client', (kind) => {
  const { name } = kind;
  const subject = storageOn(kind, 'cluster', SPECS.cluster);

  it('recognises the Cluster client by its shape', () => {
    expect(subject().clientKind).toMatch(EXPECTED_KIND[name]);
    expect(subject().clientKind).toMatch(/Cluster/);
  });

  it('after SCRIPT FLUSH on every node, loads the script again on each node that runs it', async () => {
    // Users whose hash tags fall on every node (slots 0-16383 are split in three by --cluster create).
    const users = Array.from({ length: 30 }, (_, i) => `node-${name}-${i}`);
    for (const user of users) expect(await allowedSequence(subject(), twoPerMinute(user), 1)).toEqual([true]);
    const admins = await Promise.all(cluster.nodes.map((node) => node.client()));
    await Promise.all(admins.map((admin) => admin.script('FLUSH')));
    for (const user of users) expect(await allowedSequence(subject(), twoPerMinute(user), 2)).toEqual([true, false]);
    const { sha } = planScript(twoPerMinute(users[0]).limits, twoPerMinute(users[0]).blocks);
    const loaded = await Promise.all(admins.map((admin) => admin.script('EXISTS', sha)));
    expect(loaded).toEqual(admins.map(() => [1]));
    for (const admin of admins) admin.disconnect();
  });
});

const RESET_CASES = CLIENT_KINDS.flatMap((kind) => kind.topologies.map((topology) => ({ kind, topology })));

describe.each(RESET_CASES)('reset broadcast with $kind.name on $topology', ({ kind, topology }) => {
  // Two storages on two clients: two app instances, each with its blocked cache.
  const a = storageOn(kind, topology, SPECS[topology]);
  const b = storageOn(kind, topology, SPECS[topology]);

  it("a reset on one storage empties the other one's cached block within 1 s", async () => {
    await Promise.all([a().ready(10_000), b().ready(10_000)]);
    const request: ConsumeRequest = {
      identityKey: `clients:{reset-${kind.name}-${topology}}`,
      limits: [{ key: ':w', limit: 1, windowMs: 60_000, algorithm: 'fixed-window', block: 0 }],
      blocks: [{ key: ':b', durationMs: 3_600_000 }],
    };
    expect(await allowedSequence(a(), request, 2)).toEqual([true, false]); // blocked for an hour
    expect((await b().consume(request)).blocked).toBe(true); // now cached in b
    await a().reset(request.identityKey);
    const deadline = Date.now() + 1_000;
    let allowed = false;
    while (!allowed && Date.now() < deadline) {
      allowed = (await b().consume({ ...request, peek: true })).allowed;
      if (!allowed) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(allowed).toBe(true);
  });
});

describe.each(CLIENT_KINDS)('RedisStorage.ready() on a $name client that cannot connect', ({ create }) => {
  it('rejects after the timeout, naming the client kind and its state', async () => {
    const made = await create('plain', { port: await freePort(), connected: false });
    const storage = new RedisStorage(made.client);
    try {
      await expect(storage.ready(200)).rejects.toThrow(/^(ioredis|node-redis).* client not ready after 200 ms \(.+\)$/);
    } finally {
      await storage.onModuleDestroy();
      await made.close();
    }
  });
});

describe('RedisStorage given something else than a Redis client', () => {
  it.each([
    [{}, /an object of class Object/],
    [null, /got null/],
    [Promise.resolve(), /a Promise \(pass the client itself/],
  ])('%p: an error naming the supported clients', (client, got) => {
    expect(() => new RedisStorage(client as never)).toThrow(
      /needs a Redis client of ioredis or iovalkey .* node-redis v5\+/,
    );
    expect(() => new RedisStorage(client as never)).toThrow(got);
  });

  it('takes a node-redis client as its type is declared (no cast)', () => {
    const client = createClient({ socket: { host: '127.0.0.1', port: server.port } });
    expect(new RedisStorage(client).clientKind).toBe('node-redis createClient');
  });
});
