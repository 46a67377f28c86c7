import { identityKey } from './keys.js';

/** Users whose identity key is kept (about 100 bytes each); the cache starts over beyond. */
const MAX_KEPT = 10_000;

/**
 * `identityKey(prefix, user)` of recently seen users, built once per user instead of once per
 * request: the same string then comes back each time, its hash already computed for the storage's
 * lookup. Bounded: past `max` users the cache is emptied and fills again. Namespaced identities
 * (auth lists of several providers) are built each time.
 */
export class IdentityKeys {
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    private readonly max = MAX_KEPT,
  ) {}

  /** `identityKey(prefix, user, namespace)`. */
  of(user: string, namespace?: string): string {
    if (namespace !== undefined) return identityKey(this.prefix, user, namespace);
    let key = this.keys.get(user);
    if (key === undefined) {
      if (this.keys.size >= this.max) this.keys.clear();
      key = identityKey(this.prefix, user);
      this.keys.set(user, key);
    }
    return key;
  }
}
