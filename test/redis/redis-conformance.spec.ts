import { RedisStorage, type RedisStorageOptions } from '../../lib/index.js';
import { describeStorageConformance } from '../conformance/storage-conformance.js';
import { CLIENT_KINDS, type TestClient, type Topology } from '../support/redis-clients.js';
import { RedisClusterServer, RedisServer } from '../support/redis-harness.js';

// The storage conformance suite, with the suite's FakeClock driving Redis through the test-only
// `clock` option, on one Redis instance and on a 3-master Redis Cluster, with every client kind;
// each plan runs its own script (the default), and on ioredis also the generic script (`planScripts: 0`)
// and its form that counts in 0.1's fields (`compatibleWith: '0.1'`, for a rolling upgrade).

let server: RedisServer;
let cluster: RedisClusterServer;
const clients = new Map<string, TestClient>();

beforeAll(async () => {
  [server, cluster] = await Promise.all([RedisServer.start(), RedisClusterServer.start(3)]);
  for (const kind of CLIENT_KINDS) {
    clients.set(`${kind.name} plain`, await kind.create('plain', { port: server.port }));
    clients.set(`${kind.name} cluster`, await kind.create('cluster', { nodes: cluster.startupNodes }));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([...clients.values()].map((client) => client.close()));
  await Promise.all([server?.stop(), cluster?.stop()]);
});

const TOPOLOGIES: [Topology, string][] = [
  ['plain', 'Redis'],
  ['cluster', 'a 3-master Redis Cluster'],
];

for (const kind of CLIENT_KINDS) {
  for (const [topology, label] of TOPOLOGIES) {
    describeStorageConformance(`RedisStorage on ${label} (${kind.name})`, async (clock) => ({
      storage: new RedisStorage(clients.get(`${kind.name} ${topology}`)!.client, { clock: clock.now }),
      close: async () => {},
    }));
  }
}

const GENERIC_SCRIPTS: [string, RedisStorageOptions][] = [
  ['generic script', { planScripts: 0 }],
  ["generic script compatible with 0.1's fields", { compatibleWith: '0.1' }],
];

for (const [topology, label] of TOPOLOGIES) {
  for (const [script, options] of GENERIC_SCRIPTS) {
    describeStorageConformance(`RedisStorage, ${script}, on ${label} (${CLIENT_KINDS[0].name})`, async (clock) => ({
      storage: new RedisStorage(clients.get(`${CLIENT_KINDS[0].name} ${topology}`)!.client, {
        clock: clock.now,
        ...options,
      }),
      close: async () => {},
    }));
  }
}
