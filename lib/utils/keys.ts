/**
 * What carries structure in a key: the separator, the Redis Cluster hash tag and the escape, and
 * lone UTF-16 surrogates (Redis stores keys as UTF-8, where every lone surrogate becomes U+FFFD).
 */
const SPECIAL = /[%:{}]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SPECIAL_ALL = new RegExp(SPECIAL.source, 'g');
const ESCAPES: Record<string, string> = { '%': '%25', ':': '%3A', '{': '%7B', '}': '%7D' };

/** `%3A` for the structural characters, `%uD800` for a lone surrogate. */
const escapeChar = (char: string): string => ESCAPES[char] ?? `%u${char.charCodeAt(0).toString(16).toUpperCase()}`;

/**
 * Escapes one key component so that it holds no `:`, `{` or `}` and is well-formed UTF-16: keys
 * built from escaped parts joined by `:` are injective for every JavaScript string (also once
 * encoded as UTF-8), and no user id can open or close a Redis Cluster hash tag.
 */
export function escapeKeyPart(part: string): string {
  return SPECIAL.test(part) ? part.replace(SPECIAL_ALL, escapeChar) : part;
}

/**
 * The prefix of every key of one identity: `<prefix>:{<user>}`, or `<prefix>:{<namespace>:<user>}`
 * for an identity from an auth list of several providers (`namespace` names the provider; the raw
 * `:` never occurs in an escaped user, so namespaced and plain keys never meet). The braces are the
 * hash tag, so all counters of one user share a Redis Cluster slot and one script can update them together.
 */
export function identityKey(prefix: string, user: string, namespace?: string): string {
  // join() builds one flat string; a template literal would build a rope that a Map lookup then
  // flattens into a second string (both kept by MemoryStorage: about 60 bytes more per identity).
  return namespace === undefined
    ? [prefix, ':{', escapeKeyPart(user), '}'].join('')
    : [prefix, ':{', escapeKeyPart(namespace), ':', escapeKeyPart(user), '}'].join('');
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

/**
 * `key` as the engine keeps a property name (one flat string it looks up by identity): a key built
 * by concatenation is otherwise a rope, which every property access and map lookup with it
 * resolves again. For keys built once and used on every request (counter and block keys).
 */
export function propertyName(key: string): string {
  return Object.keys({ [key]: true })[0];
}
