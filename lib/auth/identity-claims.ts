import type { Identity } from './rate-limit-auth.interface.js';
import { toIdentity } from './identity.js';

/**
 * Reads `{ user, group }` from a token's claims or a session with the identity check of
 * `toIdentity`: `undefined` when the user is missing or invalid.
 */
export function readIdentity(
  source: Record<string, unknown>,
  userKey: string,
  groupKey: string,
  read: (key: string) => unknown = (key) => source[key],
): Identity | undefined {
  return toIdentity(read(userKey), read(groupKey));
}
