import type { Redis } from 'ioredis';
import { RedisStorage, type ConsumeRequest, type ConsumeResult } from '../../lib/index.js';
import { planScript } from '../../lib/storage/redis.plan-script.js';
import { CLIENT_KINDS, kindsFor, type ClientKind, type TestClient } from '../support/redis-clients.js';
import { RedisClusterServer, useRedisServer } from '../support/redis-harness.js';

// The script calls of one turn of the event loop leave in one socket write per connection (ioredis and
// iovalkey: RedisStorage's `coalesceWrites`; node-redis: by itself), and every call keeps its own reply
// or error. The calls are made from separate callbacks of one loop phase, as the requests read from
// different HTTP sockets are (ioredis's auto-pipelining, per process.nextTick, does not join those).

/** `user` may make two hits a minute on counter `:w`. */
const twoPerMinute = (user: string): ConsumeRequest => ({
  identityKey: `coalesce:{${user}}`,
  limits: [{ key: ':w', limit: 2, windowMs: 60_000, algorithm: 'fixed-window', block: 0 }],
  blocks: [{ key: ':b', durationMs: 0 }],
});

/** Calls `storage.consume` for each request, each from its own `setImmediate` callback of one loop phase. */
function consumeInOneTurn(
  storage: RedisStorage,
  requests: ConsumeRequest[],
): Promise<PromiseSettledResult<ConsumeResult>[]> {
  return new Promise((resolve) => {
    const answers: Promise<ConsumeResult>[] = [];
    requests.forEach((request, i) =>
      setImmediate(() => {
        answers.push(Promise.resolve(storage.consume(request)));
        if (i === requests.length - 1) resolve(Promise.allSettled(answers));
      }),
    );
  });
}

const allowedOf = (settled: PromiseSettledResult<ConsumeResult>[]) =>
  settled.map((each) => (each.status === 'fulfilled' ? each.value.allowed : each.reason.message));

/** The reads redis-server has made from client sockets (`INFO stats`), the INFO's own included. */
async function readsOf(admin: Redis): Promise<number> {
  const info = await admin.info('stats');
  return Number(/total_reads_processed:(\d+)/.exec(info)![1]);
}

/** A socket of an ioredis connection, as far as counting its writes needs. */
interface CountedSocket {
  _write: (...args: unknown[]) => unknown;
  _writev: (...args: unknown[]) => unknown;
}

/** Counts the writes (`_write` and `_writev`: each one syscall) made to `sockets` until `stop()`. */
function countWrites(sockets: CountedSocket[]): { counts: number[]; stop(): void } {
  const counts = sockets.map(() => 0);
  sockets.forEach((socket, i) => {
    for (const name of ['_write', '_writev'] as const) {
      const original = socket[name];
      socket[name] = function (this: unknown, ...args: unknown[]) {
        counts[i]++;
        return original.apply(this, args);
      };
    }
  });
  return {
    counts,
    stop: () =>
      sockets.forEach(
        (socket) => (
          delete (socket as Partial<CountedSocket>)._write,
          delete (socket as Partial<CountedSocket>)._writev
        ),
      ),
  };
}

/** The plain server, and one connection for every look at it (a new one would add reads of its own). */
const redis = useRedisServer();
let cluster: RedisClusterServer;

beforeAll(async () => {
  cluster = await RedisClusterServer.start(3);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** A client of `kind` to the plain server, made before the block's tests and closed after them. */
function plainClient(kind: ClientKind, failFast = true): () => TestClient {
  let made: TestClient | undefined;
  beforeAll(async () => {
    made = await kind.create('plain', { port: redis.server.port, failFast });
  });
  afterAll(async () => made?.close());
  return () => made!;
}

describe.each(CLIENT_KINDS)('RedisStorage on $name: the script calls of one turn', (kind) => {
  const client = plainClient(kind);
  const user = (name: string) => `${kind.name}-${name}`;

  it('reach Redis in one read, and each call gets its own answer, in order', async () => {
    const storage = new RedisStorage(client().client);
    const requests = [
      twoPerMinute(user('a')),
      twoPerMinute(user('b')),
      twoPerMinute(user('a')),
      twoPerMinute(user('c')),
      twoPerMinute(user('a')),
    ];
    await storage.consume(twoPerMinute(user('warm'))); // the first call loads the script with EVAL
    const before = await readsOf(redis.client);
    const answers = await consumeInOneTurn(storage, requests);
    const after = await readsOf(redis.client);
    expect(allowedOf(answers)).toEqual([true, true, true, true, false]);
    const remaining = answers.map((each) => (each as PromiseFulfilledResult<ConsumeResult>).value.limits[0].remaining);
    expect(remaining).toEqual([1, 1, 0, 1, 0]);
    expect(after - before).toBe(2); // the batch's read and the second INFO's
  });

  it('a call that fails in Redis fails alone', async () => {
    const storage = new RedisStorage(client().client);
    await redis.client.set(twoPerMinute(user('not-a-hash')).identityKey, 'a string'); // HMGET on it: WRONGTYPE
    await storage.consume(twoPerMinute(user('warm')));
    const answers = await consumeInOneTurn(storage, [
      twoPerMinute(user('d')),
      twoPerMinute(user('not-a-hash')),
      twoPerMinute(user('e')),
    ]);
    expect(allowedOf(answers)).toEqual([true, expect.stringMatching(/WRONGTYPE/), true]);
  });

  it('after SCRIPT FLUSH, every call of the batch falls back to EVAL and gets its answer', async () => {
    const storage = new RedisStorage(client().client);
    await storage.consume(twoPerMinute(user('warm')));
    await redis.client.script('FLUSH');
    const answers = await consumeInOneTurn(storage, [
      twoPerMinute(user('f')),
      twoPerMinute(user('g')),
      twoPerMinute(user('f')),
      twoPerMinute(user('f')),
    ]);
    expect(allowedOf(answers)).toEqual([true, true, true, false]);
    const { sha } = planScript(twoPerMinute('x').limits, twoPerMinute('x').blocks);
    expect(await redis.client.script('EXISTS', sha)).toEqual([1]);
  });
});

describe.each(CLIENT_KINDS)('RedisStorage on $name with an offline queue, before the client is ready', (kind) => {
  it('queues the calls of a turn and answers each once connected', async () => {
    const made = await kind.create('plain', { port: redis.server.port, failFast: false, connected: false });
    try {
      const storage = new RedisStorage(made.client);
      const answers = consumeInOneTurn(storage, [
        twoPerMinute(`${kind.name}-offline`),
        twoPerMinute(`${kind.name}-offline`),
        twoPerMinute(`${kind.name}-offline`),
      ]);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
      });
      expect(allowedOf(await Promise.race([answers, late]))).toEqual([true, true, false]);
      clearTimeout(timer);
    } finally {
      await made.close();
    }
  });
});

/** What the tests read of an ioredis or iovalkey client. */
interface IoredisLike {
  stream: CountedSocket;
  nodes(role: 'all'): IoredisLike[];
}

const IOREDIS_FAMILY = CLIENT_KINDS.filter((kind) => kind.name === 'ioredis' || kind.name === 'iovalkey');

describe.each(IOREDIS_FAMILY)('RedisStorage on $name, coalesceWrites', (kind) => {
  const client = plainClient(kind);
  const requests = (name: string) => [1, 2, 3, 4].map((i) => twoPerMinute(`${kind.name}-${name}-${i}`));

  async function writesOfOneTurn(storage: RedisStorage, name: string): Promise<number> {
    await storage.consume(twoPerMinute(`${kind.name}-warm`));
    const writes = countWrites([(client().client as unknown as IoredisLike).stream]);
    try {
      expect(allowedOf(await consumeInOneTurn(storage, requests(name)))).toEqual([true, true, true, true]);
      return writes.counts[0];
    } finally {
      writes.stop();
    }
  }

  it('is on by default: one socket write for the calls of a turn', async () => {
    expect(await writesOfOneTurn(new RedisStorage(client().client), 'default')).toBe(1);
  });

  it('false: one write per call', async () => {
    expect(await writesOfOneTurn(new RedisStorage(client().client, { coalesceWrites: false }), 'off')).toBe(4);
  });
});

describe.each(kindsFor('cluster'))('RedisStorage on a $name Cluster: the script calls of one turn', (kind) => {
  let made: TestClient | undefined;
  beforeAll(async () => {
    made = await kind.create('cluster', { nodes: cluster.startupNodes });
  });
  afterAll(async () => made?.close());

  it('each get their own answer from the node of their key, and ioredis writes once per node', async () => {
    const storage = new RedisStorage(made!.client);
    // Users whose hash tags fall on every node (the slots are split in three by --cluster create).
    const users = Array.from({ length: 12 }, (_, i) => `${kind.name}-node-${i}`);
    for (const user of users) await storage.consume(twoPerMinute(user)); // loads the script on every node
    const ioredis = IOREDIS_FAMILY.includes(kind);
    const nodes = ioredis ? (made!.client as unknown as IoredisLike).nodes('all') : [];
    const writes = countWrites(nodes.map((node) => node.stream));
    try {
      const answers = await consumeInOneTurn(storage, [...users, ...users].map(twoPerMinute));
      expect(allowedOf(answers)).toEqual([...users.map(() => true), ...users.map(() => false)]);
      if (ioredis) expect(writes.counts).toEqual([1, 1, 1]); // 3 masters, each with some of the users
    } finally {
      writes.stop();
    }
  });
});
