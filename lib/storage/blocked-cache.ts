/**
 * Identities known to be blocked, per block scope, in this process: lets a storage reject a blocked
 * client without a round trip until its block ends. Bounded: beyond `maxIdentities` the oldest
 * identity is forgotten (it then costs one round trip, which caches it again).
 */
export class BlockedCache {
  /** identity key -> block key -> ms timestamp (local clock) at which the block ends. */
  private readonly identities = new Map<string, Map<string, number>>();

  constructor(private readonly maxIdentities: number) {}

  /**
   * The ms left (rounded up) of the block standing at `now` in each of `blockKeys` (0: none known
   * there), or undefined when no block of them is known.
   */
  blockLeft(identityKey: string, blockKeys: readonly { key: string }[], now: number): number[] | undefined {
    const blocks = this.identities.get(identityKey);
    if (blocks === undefined) return undefined;
    let left: number[] | undefined;
    for (let j = 0; j < blockKeys.length; j++) {
      const end = blocks.get(blockKeys[j].key);
      if (end === undefined) continue;
      if (end <= now) blocks.delete(blockKeys[j].key);
      else (left ??= new Array<number>(blockKeys.length).fill(0))[j] = Math.ceil(end - now);
    }
    if (blocks.size === 0) this.identities.delete(identityKey);
    return left;
  }

  /** Remembers that `identityKey` is blocked in scope `blockKey` until `until` (ms, local clock). */
  add(identityKey: string, blockKey: string, until: number): void {
    let blocks = this.identities.get(identityKey);
    if (blocks === undefined) {
      if (this.maxIdentities <= 0) return;
      if (this.identities.size >= this.maxIdentities) {
        this.identities.delete(this.identities.keys().next().value as string);
      }
      this.identities.set(identityKey, (blocks = new Map()));
    }
    blocks.set(blockKey, until);
  }

  /** Forgets every block of `identityKey`. */
  delete(identityKey: string): void {
    this.identities.delete(identityKey);
  }

  /** Forgets every identity. */
  clear(): void {
    this.identities.clear();
  }

  /** False when the cache remembers nothing (`maxIdentities` 0). */
  get enabled(): boolean {
    return this.maxIdentities > 0;
  }

  /** Number of identities remembered. */
  get size(): number {
    return this.identities.size;
  }
}
