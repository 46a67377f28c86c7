import type { Cluster, Redis } from 'ioredis';
import { RedisStorage } from '../../lib/index.js';
import { describeStorageConformance } from '../conformance/storage-conformance.js';
import { RedisClusterServer, RedisServer } from '../support/redis-harness.js';

// The storage conformance suite, with the suite's FakeClock driving Redis through the test-only
// `clock` option, on one Redis instance and on a 3-master Redis Cluster.

let server: RedisServer;
let cluster: RedisClusterServer;
let redis: Redis;
let clusterClient: Cluster;

beforeAll(async () => {
  [server, cluster] = await Promise.all([RedisServer.start(), RedisClusterServer.start(3)]);
  redis = await server.client();
  clusterClient = await cluster.client();
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  clusterClient?.disconnect();
  await Promise.all([server?.stop(), cluster?.stop()]);
});

describeStorageConformance('RedisStorage on Redis', async (clock) => ({
  storage: new RedisStorage(redis, { clock: clock.now }),
  close: async () => {},
}));

describeStorageConformance('RedisStorage on a 3-master Redis Cluster', async (clock) => ({
  storage: new RedisStorage(clusterClient, { clock: clock.now }),
  close: async () => {},
}));
