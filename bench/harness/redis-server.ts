import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Commands not sent by the variants: the harness's own INFO and FLUSHALL calls. */
const HARNESS_COMMANDS = /^cmdstat_(info|flushall|ping|config\|.*)$/;

/** A redis-server process owned by the harness, without persistence, on a free loopback port. */
export class RedisServer {
  private constructor(
    readonly port: number,
    readonly version: string,
    private readonly process: ChildProcess,
    private readonly client: Redis,
  ) {}

  static async start(): Promise<RedisServer> {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    child.on('error', (error) => {
      throw new Error(`Could not start redis-server (is it on PATH?): ${error.message}`);
    });
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => {}); // refused while the server starts; commands still reject on errors
    for (let attempt = 0; ; attempt++) {
      try {
        await client.connect();
        break;
      } catch (error) {
        if (attempt === 50) {
          throw new Error(`redis-server did not accept connections on port ${port}`, { cause: error });
        }
        await sleep(100);
      }
    }
    await client.flushall();
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return new RedisServer(port, version, child, client);
  }

  /**
   * Commands executed since start, as counted by INFO commandstats (including the commands run
   * inside scripts, excluding the harness's own INFO calls).
   */
  async commandCalls(): Promise<number> {
    const info = await this.client.info('commandstats');
    let calls = 0;
    for (const match of info.matchAll(/^(cmdstat_[^:]+):calls=(\d+)/gm)) {
      if (!HARNESS_COMMANDS.test(match[1])) calls += Number(match[2]);
    }
    return calls;
  }

  /** CPU time (user + system, main thread and children) redis-server has used, µs. */
  async cpuMicros(): Promise<number> {
    const info = await this.client.info('cpu');
    let seconds = 0;
    for (const match of info.matchAll(/^used_cpu_(?:sys|user)(?:_children)?:([\d.]+)/gm)) seconds += Number(match[1]);
    return seconds * 1e6;
  }

  async stop(): Promise<void> {
    this.client.disconnect();
    if (this.process.exitCode === null) {
      const exited = once(this.process, 'exit');
      this.process.kill('SIGTERM');
      await exited;
    }
  }
}
