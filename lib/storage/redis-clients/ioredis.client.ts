import type { RedisClientAdapter, RedisSubscription, ScriptArgs } from './redis-client.interface.js';

/** The members of an ioredis (or iovalkey) `Redis` / `Cluster` that the adapter calls. */
interface IoredisApi {
  readonly status: string;
  readonly isCluster?: boolean;
  readonly options?: { sentinels?: unknown[] | null };
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

/**
 * ioredis `Redis` (plain or Sentinel) and `Cluster`, and their fork iovalkey (same API). A Cluster
 * routes EVALSHA and the EVAL that follows a NOSCRIPT by the first key, so the script is loaded on
 * the node that needs it.
 */
export class IoredisClient implements RedisClientAdapter {
  readonly kind: string;

  constructor(private readonly client: IoredisApi) {
    const topology = client.isCluster ? 'Cluster' : client.options?.sentinels ? 'Redis (Sentinel)' : 'Redis';
    this.kind = `ioredis/iovalkey ${topology}`;
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
    return this.client.evalshaBuffer(sha, numKeys, ...args);
  }

  eval(script: string, numKeys: number, args: ScriptArgs): Promise<unknown> {
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
