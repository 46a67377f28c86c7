import type { RedisClientAdapter, RedisSubscription, ScriptArgs } from './redis-client.interface.js';
import { WriteCoalescer, type CorkableSocket } from './write-coalescer.js';

/** The members of an ioredis (or iovalkey) `Redis` / `Cluster` that the adapter calls. */
interface IoredisApi {
  readonly status: string;
  readonly isCluster?: boolean;
  readonly options?: { sentinels?: unknown[] | null };
  /** The connection's socket (a `Redis`; undefined before it first connects). */
  readonly stream?: CorkableSocket;
  /** A `Cluster`'s node connections. */
  nodes?(role: 'all'): IoredisApi[];
  evalshaBuffer(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  evalBuffer(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  del(key: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  duplicate(): IoredisApi;
  on(event: string, listener: (...args: any[]) => void): unknown;
  disconnect(): void;
}

const ignore = () => {};

/** The socket of a connection ready for commands, else undefined (its commands queue or fail in ioredis). */
const readySocket = (connection: IoredisApi): CorkableSocket | undefined =>
  connection.status === 'ready' ? connection.stream : undefined;

/** Options of `IoredisClient`. */
export interface IoredisClientOptions {
  /** Send the script calls of one turn of the event loop in one write per connection (`WriteCoalescer`). */
  coalesceWrites: boolean;
}

/**
 * ioredis `Redis` (plain or Sentinel) and `Cluster`, and their fork iovalkey (same API). A Cluster
 * routes EVALSHA and the EVAL that follows a NOSCRIPT by the first key, so the script is loaded on
 * the node that needs it. ioredis writes every command to its socket at once (one syscall each, and
 * its auto-pipelining flushes per `process.nextTick`, which does not reach across the I/O callbacks
 * of one turn); with `coalesceWrites` the script calls of a turn leave in one write per connection
 * (per node of a Cluster), as node-redis does for every command.
 */
export class IoredisClient implements RedisClientAdapter {
  readonly kind: string;
  private readonly writes?: WriteCoalescer;

  constructor(
    private readonly client: IoredisApi,
    options: IoredisClientOptions,
  ) {
    const topology = client.isCluster ? 'Cluster' : client.options?.sentinels ? 'Redis (Sentinel)' : 'Redis';
    this.kind = `ioredis/iovalkey ${topology}`;
    if (options.coalesceWrites) {
      this.writes = new WriteCoalescer(
        client.isCluster && client.nodes !== undefined
          ? () => client.nodes!('all').map(readySocket)
          : () => [readySocket(client)],
      );
    }
  }

  /** Whether `client` has the shape of an ioredis or iovalkey client. */
  static fits(client: Record<string, unknown>): boolean {
    return (
      typeof client.evalshaBuffer === 'function' &&
      typeof client.duplicate === 'function' &&
      typeof client.status === 'string'
    );
  }

  evalsha(sha: string, numKeys: number, args: ScriptArgs): Promise<unknown> {
    this.writes?.hold();
    return this.client.evalshaBuffer(sha, numKeys, ...args);
  }

  eval(script: string, numKeys: number, args: ScriptArgs): Promise<unknown> {
    this.writes?.hold();
    return this.client.evalBuffer(script, numKeys, ...args);
  }

  del(key: string): Promise<unknown> {
    return this.client.del(key);
  }

  publish(channel: string, message: string): Promise<unknown> {
    return this.client.publish(channel, message);
  }

  isReady(): boolean {
    return this.client.status === 'ready';
  }

  notReadyReason(): string {
    return `status "${this.client.status}"`;
  }

  /**
   * A duplicate of the client (same options) in subscriber mode. It subscribes on every `ready`, so a
   * client without offline queue, which cannot queue the first SUBSCRIBE, subscribes once connected.
   */
  subscribe(channel: string, onMessage: (message: string) => void, onResubscribed: () => void): RedisSubscription {
    const subscriber = this.client.duplicate();
    subscriber.on('error', ignore); // reconnects by itself; the outage shows on the command connection
    subscriber.on('message', (from: string, message: string) => {
      if (from === channel) onMessage(message);
    });
    subscriber.on('ready', () => subscriber.subscribe(channel).then(onResubscribed, ignore));
    return {
      close: async () => subscriber.disconnect(),
    };
  }
}
