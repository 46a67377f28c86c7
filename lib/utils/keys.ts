/** Characters that carry structure in a key: the separator, the Redis Cluster hash tag and the escape. */
const SPECIAL = /[%:{}]/;
const SPECIAL_ALL = /[%:{}]/g;
const ESCAPES: Record<string, string> = { '%': '%25', ':': '%3A', '{': '%7B', '}': '%7D' };

/**
 * Escapes one key component so that it holds no `:`, `{` or `}`: keys built from escaped parts
 * joined by `:` are injective, and no user id can open or close a Redis Cluster hash tag.
 */
export function escapeKeyPart(part: string): string {
  return SPECIAL.test(part) ? part.replace(SPECIAL_ALL, (char) => ESCAPES[char]) : part;
}

/**
 * The prefix of every key of one identity: `<prefix>:{<user>}`. The braces are the hash tag, so all
 * counters of one user share a Redis Cluster slot and one script can update them together.
 */
export function identityKey(prefix: string, user: string): string {
  // join() builds one flat string; a template literal would build a rope that a Map lookup then
  // flattens into a second string (both kept by MemoryStorage: about 60 bytes more per identity).
  return [prefix, ':{', escapeKeyPart(user), '}'].join('');
}

/** Where counters are shared: a zone, a config pattern, a route, or a RateLimitService scope. */
export type ScopeKind = 'zone' | 'pattern' | 'route' | 'service';

const SCOPE_TAGS: Record<ScopeKind, string> = { zone: 'z', pattern: 'p', route: 'r', service: 's' };

/**
 * Key suffix of a counting scope (relative to the identity key): `:<kind>:<id>:<method>`, where
 * method is `*` for rules that count every method together.
 */
export function scopeKey(kind: ScopeKind, id: string, method: string): string {
  return `:${SCOPE_TAGS[kind]}:${escapeKeyPart(id)}:${escapeKeyPart(method)}`;
}
