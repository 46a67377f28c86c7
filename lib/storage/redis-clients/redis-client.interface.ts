/** Arguments of a script call: its keys first, then its ARGV. */
export type ScriptArgs = readonly (string | number)[];

/** A pub/sub subscription of `RedisClientAdapter.subscribe`, on a connection of its own. */
export interface RedisSubscription {
  /** Unsubscribes and closes the subscription's connection. */
  close(): Promise<void>;
}

/**
 * What `RedisStorage` needs from a Redis client, whichever library made it: one file per library
 * in this folder adapts the client to it (`adaptRedisClient` picks the adapter by shape).
 */
export interface RedisClientAdapter {
  /** The library and topology, for messages, e.g. `ioredis Cluster`. */
  readonly kind: string;
  /**
   * EVALSHA of a loaded script; the first `numKeys` of `args` are its keys. A string reply comes as a
   * Buffer (RedisStorage's scripts answer binary). Rejects with NOSCRIPT when not loaded.
   */
  evalsha(sha: string, numKeys: number, args: ScriptArgs): Promise<unknown>;
  /** EVAL of `script` (which loads it), same arguments as `evalsha`. */
  eval(script: string, numKeys: number, args: ScriptArgs): Promise<unknown>;
  del(key: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  /** True while the client is connected and ready for commands. */
  isReady(): boolean;
  /** Why the client is not ready, for the bootstrap warning, e.g. `status "connecting"`. */
  notReadyReason(): string;
  /**
   * Listens to `channel` on a connection of its own (the client's own stays free for commands):
   * `onMessage` for each message; `onResubscribed` each time that connection came back after a
   * loss (messages sent meanwhile are lost).
   */
  subscribe(channel: string, onMessage: (message: string) => void, onResubscribed: () => void): RedisSubscription;
}
