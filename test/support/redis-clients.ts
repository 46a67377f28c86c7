import { Cluster as IoredisCluster, Redis as Ioredis } from 'ioredis';
import { Cluster as IovalkeyCluster, Redis as Iovalkey } from 'iovalkey';
import { createClient, createCluster, createSentinel } from 'redis';
import type { RedisScriptClient } from '../../lib/index.js';

/**
 * The Redis client libraries RedisStorage supports, one factory per topology each supports: the Redis
 * suites run `describe.each(CLIENT_KINDS)` (or `kindsFor(topology)`) instead of being copied per
 * client. Every client is made with the options that make it fail fast during an outage (README
 * "Redis clients"), unless `failFast: false`.
 */

export type Topology = 'plain' | 'cluster' | 'sentinel';

export interface ClientSpec {
  /** Redis Cluster seed nodes, the plain server's port, or the Sentinel's port and master name. */
  port?: number;
  nodes?: { host: string; port: number }[];
  sentinel?: { port: number; name: string };
  /** Database number (plain only). Default 0. */
  database?: number;
  /** Fail fast during an outage (no offline queue, one retry). Default true. */
  failFast?: boolean;
  /** Wait (bounded) until the client is ready. Default true; false only starts connecting. */
  connected?: boolean;
}

/** A client made by a `ClientKind`, with what the tests need around it. */
export interface TestClient {
  client: RedisScriptClient;
  /** Closes the client at once. */
  close(): Promise<void>;
}

export interface ClientKind {
  /** As in test names: `ioredis`, `node-redis`, `node-redis RESP3`, `iovalkey`. */
  name: string;
  topologies: readonly Topology[];
  create(topology: Topology, spec: ClientSpec): Promise<TestClient>;
}

const READY_TIMEOUT_MS = 10_000;
const ignore = () => {};

function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the factories use of an ioredis or iovalkey client. */
interface IoredisLike {
  status: string;
  on(event: string, listener: (...args: any[]) => void): unknown;
  once(event: string, listener: (...args: any[]) => void): unknown;
  disconnect(): void;
}

/** What the factories use of a node-redis client, cluster or sentinel. */
interface NodeRedisLike {
  isOpen: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  connect(): Promise<unknown>;
  destroy(): unknown;
}

function ioredisFamily(
  name: string,
  Redis: new (options: object) => IoredisLike,
  Cluster: new (nodes: object[], options: object) => IoredisLike,
): ClientKind {
  return {
    name,
    topologies: ['plain', 'cluster', 'sentinel'],
    async create(topology, spec) {
      const failFast = spec.failFast === false ? {} : { enableOfflineQueue: false, maxRetriesPerRequest: 1 };
      const client =
        topology === 'cluster'
          ? new Cluster(spec.nodes!, { ...failFast, redisOptions: failFast })
          : topology === 'sentinel'
            ? new Redis({
                sentinels: [{ host: '127.0.0.1', port: spec.sentinel!.port }],
                name: spec.sentinel!.name,
                ...failFast,
              })
            : new Redis({ host: '127.0.0.1', port: spec.port, db: spec.database ?? 0, ...failFast });
      client.on('error', ignore); // connection errors during outages are expected in tests
      const close = async () => client.disconnect();
      if (spec.connected !== false && client.status !== 'ready') {
        await bounded(new Promise((resolve) => client.once('ready', resolve)), `${name} ${topology}`).catch(
          async (error) => {
            await close();
            throw error;
          },
        );
      }
      return { client: client as unknown as RedisScriptClient, close };
    },
  };
}

function nodeRedis(name: string, RESP: 2 | 3): ClientKind {
  return {
    name,
    topologies: ['plain', 'cluster', 'sentinel'],
    async create(topology, spec) {
      const failFast = spec.failFast === false ? {} : { disableOfflineQueue: true };
      const socket = { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) };
      const client: NodeRedisLike =
        topology === 'cluster'
          ? createCluster({
              rootNodes: spec.nodes!.map(({ host, port }) => ({ socket: { host, port } })),
              defaults: { socket, ...failFast },
              RESP,
            })
          : topology === 'sentinel'
            ? createSentinel({
                name: spec.sentinel!.name,
                sentinelRootNodes: [{ host: '127.0.0.1', port: spec.sentinel!.port }],
                nodeClientOptions: { socket, ...failFast },
                RESP,
              })
            : createClient({
                socket: { host: '127.0.0.1', port: spec.port, ...socket },
                database: spec.database ?? 0,
                RESP,
                ...failFast,
              });
      client.on('error', ignore); // without a listener node-redis throws connection errors out of the process
      const connecting = client.connect();
      const close = async () => {
        if (client.isOpen) await Promise.resolve(client.destroy()).catch(ignore);
      };
      if (spec.connected === false) connecting.catch(ignore);
      else
        await bounded(connecting, `${name} ${topology}`).catch(async (error) => (await close(), Promise.reject(error)));
      return { client: client as unknown as RedisScriptClient, close };
    },
  };
}

/** Every client kind. iovalkey runs against redis-server (no valkey-server here); it speaks the same protocol. */
export const CLIENT_KINDS: readonly ClientKind[] = [
  ioredisFamily('ioredis', Ioredis as never, IoredisCluster as never),
  nodeRedis('node-redis', 2),
  nodeRedis('node-redis RESP3', 3),
  ioredisFamily('iovalkey', Iovalkey as never, IovalkeyCluster as never),
];

/**
 * One kind per client library (node-redis on RESP2): for the suites whose subject is the process
 * around the client (several app processes, outages), where RESP3 adds nothing that the suites on
 * every kind (conformance, round trips, Sentinel, the client spec) do not already cover.
 */
export const CLIENT_LIBRARIES: readonly ClientKind[] = CLIENT_KINDS.filter((kind) => kind.name !== 'node-redis RESP3');

/** The kinds that support `topology`. */
export function kindsFor(topology: Topology): ClientKind[] {
  return CLIENT_KINDS.filter((kind) => kind.topologies.includes(topology));
}

/** The kind named `name` (e.g. from an environment variable of a child process). */
export function clientKind(name: string): ClientKind {
  const kind = CLIENT_KINDS.find((each) => each.name === name);
  if (kind === undefined)
    throw new Error(`Unknown Redis client kind "${name}": one of ${CLIENT_KINDS.map((k) => k.name).join(', ')}`);
  return kind;
}
