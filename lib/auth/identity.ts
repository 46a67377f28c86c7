import { EmptyInformation } from '../errors/empty-information.error.js';
import type { Identity } from './rate-limit-auth.interface.js';

/**
 * An identity as the guard limits it: checked, and for an auth list of several providers tagged
 * with the provider that found it (`namespace`, its position in the list: `'0'`, `'1'`, ...), so
 * that a JWT user `'127.0.0.1'` and the anonymous caller 127.0.0.1 never share counters.
 */
export type ResolvedIdentity = Required<Identity> & { namespace?: string };

/** The group of an identity (or a rule) that names none. */
export const DEFAULT_GROUP = 'default';

/**
 * THE identity check, used for what auth providers, `onAuthError` and `RateLimitService` callers
 * give: the user must be a non-empty string or a finite number (`undefined` otherwise), the group
 * a non-empty string (else `'default'`).
 */
export function toIdentity(user: unknown, group: unknown): Required<Identity> | undefined {
  const valid = (typeof user === 'string' && user !== '') || (typeof user === 'number' && Number.isFinite(user));
  if (!valid) return undefined;
  return { user: String(user), group: typeof group === 'string' && group !== '' ? group : DEFAULT_GROUP };
}

/** `identity` checked by `toIdentity`; `EmptyInformation` naming `source` when it is not one. */
export function checkIdentity(identity: Identity | undefined, source: string): Required<Identity> {
  const checked = toIdentity(identity?.user, identity?.group);
  if (checked === undefined) {
    throw new EmptyInformation(
      `${source} returned ${JSON.stringify(identity)}: expected { user: string | number, group?: string }`,
    );
  }
  return checked;
}
