import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { HarnessMessage, PlatformName, VariantMessage, VariantName } from '../variants/variants.js';

/** What a variant process reports about itself. */
export interface VariantStats {
  /** Resident set size, bytes. */
  rss: number;
  heapUsed: number;
  /** CPU time (user + system) the process has used, µs. */
  cpu: number;
  /** Redis commands its client has sent since it started (round trips, pipelined commands each). */
  redisCommands: number;
  /** HTTP requests its server has received since it started. */
  requests: number;
}

export interface VariantProcessOptions {
  /** Compiled `variant.main.js`. */
  entry: string;
  redisPort?: number;
  /** ioredis `enableAutoPipelining` for the variant's client. */
  redisAutoPipelining?: boolean;
  /** Directory for a `--cpu-prof` profile of the process; none when undefined. */
  cpuProfileDir?: string;
}

const STARTUP_TIMEOUT_MS = 120_000;
const REPLY_TIMEOUT_MS = 30_000;

/** One variant application running in its own Node process, driven over IPC. */
export class VariantProcess {
  private constructor(
    readonly variant: VariantName,
    readonly platform: PlatformName,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  /** Starts the variant; resolves to the reason when this checkout cannot run it. */
  static async start(
    variant: VariantName,
    platform: PlatformName,
    options: VariantProcessOptions,
  ): Promise<VariantProcess | { unavailable: string }> {
    const execArgv = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
    const child = fork(options.entry, [variant, platform], {
      execArgv,
      env: {
        ...process.env,
        BENCH_REDIS_PORT: String(options.redisPort ?? ''),
        BENCH_REDIS_AUTOPIPELINING: options.redisAutoPipelining ? '1' : '',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const message = await nextMessage(child, STARTUP_TIMEOUT_MS, `${variant} on ${platform} to start`);
    if (message.type === 'unavailable') {
      await once(child, 'exit');
      return { unavailable: message.reason };
    }
    if (message.type !== 'ready') throw new Error(`${variant} on ${platform} sent ${message.type} before ready`);
    return new VariantProcess(variant, platform, `http://127.0.0.1:${message.port}`, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async stats(): Promise<VariantStats> {
    const reply = nextMessage(this.child, REPLY_TIMEOUT_MS, `stats of ${this.variant} on ${this.platform}`);
    this.send({ type: 'stats' });
    const message = await reply;
    if (message.type !== 'stats') throw new Error(`${this.variant} answered ${message.type} to stats`);
    const { rss, heapUsed, cpu, redisCommands, requests } = message;
    return { rss, heapUsed, cpu, redisCommands, requests };
  }

  /** Asks the process to close its app and exit (which writes its CPU profile), then waits. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), REPLY_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private send(message: HarnessMessage): void {
    this.child.send(message);
  }
}

function nextMessage(child: ChildProcess, timeoutMs: number, what: string): Promise<VariantMessage> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: VariantMessage) => {
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`Waiting for ${what}: the process exited with code ${code}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
