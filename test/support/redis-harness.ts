import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * Throwaway `redis-server` processes for tests: started from the binary on PATH on free ports,
 * with no persistence, and killed (with their temp directory) by `stop()` or when the test process
 * exits. Every wait is bounded.
 */

const START_TIMEOUT_MS = 10_000;
const CLUSTER_TIMEOUT_MS = 20_000;
const INSTALL_HINT =
  'redis-server and redis-cli are needed by the Redis tests: install them with `apt-get install redis-server` ' +
  '(Debian/Ubuntu) or `brew install redis` (macOS), then run the tests again.';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Fails with an install hint when redis-server or redis-cli is not on PATH. */
export function assertRedisInstalled(): void {
  for (const binary of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8', env: process.env });
    if (probe.error !== undefined || probe.status !== 0)
      throw new Error(`${binary} was not found on PATH. ${INSTALL_HINT}`);
  }
}

/** True when `port` can be bound on 127.0.0.1 right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (+10000) is free too. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
  throw new Error('No free port pair found in 20000-39999 (and +10000) for redis-server.');
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with `client` once it is ready for commands (bounded wait). */
export function ready<T extends Redis | Cluster>(client: T): Promise<T> {
  if (client.status === 'ready') return Promise.resolve(client);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.disconnect();
      reject(new Error(`ioredis client not ready after ${START_TIMEOUT_MS} ms (status ${client.status}).`));
    }, START_TIMEOUT_MS);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve(client);
    });
  });
}

/** One redis-server process on a fixed port; it can be killed and started again on the same port. */
export class RedisServer {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly extraArgs: string[],
    /** redis.conf contents (a Sentinel needs a config file it can rewrite). */
    private readonly config?: string,
  ) {}

  /** Starts a plain instance (or a cluster node with `extraArgs`) on a free port. */
  static async start(extraArgs: string[] = []): Promise<RedisServer> {
    assertRedisInstalled();
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'ratelimit-redis-')), extraArgs);
    await server.restart();
    return server;
  }

  /** Starts a Sentinel (`redis-server <conf> --sentinel`) monitoring `master` as `name`, quorum 1. */
  static async startSentinel(master: RedisServer, name = 'mymaster'): Promise<RedisServer> {
    assertRedisInstalled();
    const config = `sentinel monitor ${name} 127.0.0.1 ${master.port} 1\n`;
    const dir = mkdtempSync(join(tmpdir(), 'ratelimit-sentinel-'));
    const sentinel = new RedisServer(await freePort(), dir, ['--sentinel'], config);
    await sentinel.restart();
    return sentinel;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process again on the same port (after `kill`), resolving once it accepts connections. */
  async restart(): Promise<void> {
    if (this.child !== undefined) throw new Error(`redis-server on port ${this.port} is already running.`);
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
    if (this.config === undefined) args.push('--save', '', '--appendonly', 'no');
    else {
      const file = join(this.dir, 'redis.conf');
      if (!existsSync(file)) writeFileSync(file, this.config);
      args.unshift(file);
    }
    const child = spawn('redis-server', [...args, ...this.extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    live.add(child);
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        this.forget(child);
        child.kill('SIGKILL');
        reject(new Error(`${error.message} on port ${this.port}.\n${output}`));
      };
      child.once('error', (error: NodeJS.ErrnoException) =>
        fail(error.code === 'ENOENT' ? new Error(`redis-server was not found on PATH. ${INSTALL_HINT}`) : error),
      );
      child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code}`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections') || output.includes('+monitor master')) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.once('exit', () => this.forget(child));
          resolve();
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    });
  }

  /** Kills the process at once (SIGKILL, as in a crash) and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, START_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGKILL');
    });
    this.forget(child);
  }

  /** Kills the process and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A new ioredis client on this server, once connected (close it with `disconnect()`). */
  client(options: RedisOptions = {}): Promise<Redis> {
    return ready(new Redis({ host: '127.0.0.1', port: this.port, ...options }));
  }

  private forget(child: ChildProcess): void {
    live.delete(child);
    if (this.child === child) this.child = undefined;
  }
}

/** A Redis Cluster of `masters` master nodes (no replicas), created with `redis-cli --cluster create`. */
export class RedisClusterServer {
  private constructor(readonly nodes: RedisServer[]) {}

  /** Starts the nodes, creates the cluster and waits until every node reports `cluster_state:ok`. */
  static async start(masters = 3): Promise<RedisClusterServer> {
    assertRedisInstalled();
    const nodes: RedisServer[] = [];
    try {
      for (let i = 0; i < masters; i++) {
        nodes.push(await RedisServer.start(['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`]));
      }
      const cluster = new RedisClusterServer(nodes);
      await cluster.create();
      return cluster;
    } catch (error) {
      await Promise.all(nodes.map((node) => node.stop()));
      throw error;
    }
  }

  /** Seed nodes for `new Cluster(...)`. */
  get startupNodes(): { host: string; port: number }[] {
    return this.nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));
  }

  /** A new ioredis Cluster client, once connected (close it with `disconnect()`). */
  client(options: ClusterOptions = {}): Promise<Cluster> {
    return ready(new Cluster(this.startupNodes, options));
  }

  /** Kills every node and removes their directories. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }

  private async create(): Promise<void> {
    const addresses = this.nodes.map((node) => `127.0.0.1:${node.port}`);
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: CLUSTER_TIMEOUT_MS, env: process.env },
    );
    if (created.status !== 0) {
      throw new Error(`redis-cli --cluster create failed (${created.status}):\n${created.stdout}\n${created.stderr}`);
    }
    const deadline = Date.now() + CLUSTER_TIMEOUT_MS;
    for (const node of this.nodes) {
      const client = await node.client({ maxRetriesPerRequest: 1 });
      try {
        for (;;) {
          const info = await client.cluster('INFO');
          if (String(info).includes('cluster_state:ok')) break;
          if (Date.now() > deadline) throw new Error(`Redis Cluster not ok after ${CLUSTER_TIMEOUT_MS} ms:\n${info}`);
          await wait(100);
        }
      } finally {
        client.disconnect();
      }
    }
  }
}

/** The server and ioredis client of `useRedisServer`, set once its `beforeAll` ran. */
export interface StartedRedis {
  readonly server: RedisServer;
  readonly client: Redis;
}

/**
 * One redis-server for the spec file (or `describe`) that calls it, with one ioredis client:
 * started in `beforeAll`, stopped in `afterAll`. Read `server` and `client` inside tests.
 */
export function useRedisServer(): StartedRedis {
  const started = {} as { server: RedisServer; client: Redis };
  beforeAll(async () => {
    started.server = await RedisServer.start();
    started.client = await started.server.client();
  });
  afterAll(async () => {
    started.client?.disconnect();
    await started.server?.stop();
  });
  return started;
}
