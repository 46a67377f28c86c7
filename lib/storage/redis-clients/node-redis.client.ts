import type { RedisClientAdapter, RedisSubscription, ScriptArgs } from './redis-client.interface.js';

interface ScriptOptions {
  keys: string[];
  arguments: string[];
}

/** The members of a node-redis (package `redis` v5+) client, cluster or sentinel that the adapter calls. */
interface NodeRedisApi {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  evalSha(sha: string, options: ScriptOptions): Promise<unknown>;
  eval(script: string, options: ScriptOptions): Promise<unknown>;
  del(key: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  duplicate(overrides?: object): NodeRedisApi;
  connect(): Promise<unknown>;
  destroy(): unknown;
  on(event: string, listener: (...args: any[]) => void): unknown;
  withTypeMapping(mapping: Record<number, unknown>): NodeRedisApi;
  getSlotMaster?: unknown;
  getSentinelNode?: unknown;
}

const ignore = () => {};

/** node-redis's RESP type of a bulk string (`RESP_TYPES.BLOB_STRING`, the byte `$`). */
const BLOB_STRING = 36;

/** node-redis takes keys and arguments apart, as strings. */
function scriptOptions(numKeys: number, args: ScriptArgs): ScriptOptions {
  const keys: string[] = new Array(numKeys);
  const rest: string[] = new Array(args.length - numKeys);
  for (let i = 0; i < numKeys; i++) keys[i] = String(args[i]);
  for (let i = numKeys; i < args.length; i++) rest[i - numKeys] = String(args[i]);
  return { keys, arguments: rest };
}

/**
 * node-redis clients of `createClient`, `createCluster` and `createSentinel`, RESP2 or RESP3. A
 * cluster routes EVALSHA and the EVAL that follows a NOSCRIPT by the first key, so the script is
 * loaded on the node that needs it.
 */
export class NodeRedisClient implements RedisClientAdapter {
  readonly kind: string;
  private readonly cluster: boolean;
  /** The same client (connection, queue, options), answering bulk strings as Buffers: for the scripts. */
  private readonly binary: NodeRedisApi;

  constructor(private readonly client: NodeRedisApi) {
    this.cluster = typeof client.getSlotMaster === 'function';
    this.binary = client.withTypeMapping({ [BLOB_STRING]: Buffer });
    const factory = this.cluster
      ? 'createCluster'
      : typeof client.getSentinelNode === 'function'
        ? 'createSentinel'
        : 'createClient';
    this.kind = `node-redis ${factory}`;
  }

  /** Whether `client` has the shape of a node-redis client, cluster or sentinel. */
  static fits(client: Record<string, unknown>): boolean {
    return (
      typeof client.evalSha === 'function' &&
      typeof client.withTypeMapping === 'function' &&
      typeof client.duplicate === 'function' &&
      typeof client.isReady === 'boolean'
    );
  }

  evalsha(sha: string, numKeys: number, args: ScriptArgs): Promise<unknown> {
    return this.binary.evalSha(sha, scriptOptions(numKeys, args));
  }

  eval(script: string, numKeys: number, args: ScriptArgs): Promise<unknown> {
    return this.binary.eval(script, scriptOptions(numKeys, args));
  }

  del(key: string): Promise<unknown> {
    return this.client.del(key);
  }

  publish(channel: string, message: string): Promise<unknown> {
    return this.client.publish(channel, message);
  }

  isReady(): boolean {
    return this.client.isReady;
  }

  notReadyReason(): string {
    return this.client.isOpen ? 'connecting' : 'never connected: call `await client.connect()` before the app boots';
  }

  /**
   * A duplicate of the client (for a cluster one that connects to the nodes it needs only), which
   * node-redis resubscribes after every reconnect.
   */
  subscribe(channel: string, onMessage: (message: string) => void, onResubscribed: () => void): RedisSubscription {
    const subscriber = this.client.duplicate(this.cluster ? { minimizeConnections: true } : undefined);
    subscriber.on('error', ignore); // reconnects by itself; the outage shows on the command connection
    const connected = subscriber
      .connect()
      .then(() => subscriber.subscribe(channel, onMessage))
      .then(() => {
        subscriber.on(this.cluster ? 'node-ready' : 'ready', onResubscribed);
        onResubscribed();
      }, ignore);
    return {
      close: async () => {
        if (subscriber.isOpen) await Promise.resolve(subscriber.destroy()).catch(ignore);
        await connected;
      },
    };
  }
}
