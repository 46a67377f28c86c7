import type { Identity } from './rate-limit-auth.interface.js';

/**
 * Reads `{ user, group }` from a token's claims or a session: the user must be a non-empty string
 * or a finite number (else `undefined`), the group a non-empty string (else `'default'`).
 */
export function readIdentity(
  source: Record<string, unknown>,
  userKey: string,
  groupKey: string,
  read: (key: string) => unknown = (key) => source[key],
): Identity | undefined {
  const user = read(userKey);
  const valid = (typeof user === 'string' && user !== '') || (typeof user === 'number' && Number.isFinite(user));
  if (!valid) return undefined;
  const group = read(groupKey);
  return { user: String(user), group: typeof group === 'string' && group !== '' ? group : 'default' };
}
