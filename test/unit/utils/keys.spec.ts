import fc from 'fast-check';
import { compileRule, type RuleSource } from '../../../lib/rules/index.js';
import { escapeKeyPart, identityKey, propertyName, scopeKey } from '../../../lib/utils/index.js';

const PREFIX = 'ratelimit';
/** The storage key of a one-second limit of `user` in `zone`, or in `source` without a zone. */
function counterKey(user: string, zone: string | undefined, source: RuleSource = pattern('^/x')): string {
  const rule = compileRule({ second: 1, zone }, source, { algorithm: 'fixed-window' });
  return identityKey(PREFIX, user) + rule.limits[0].key;
}
const pattern = (id: string): RuleSource => ({ kind: 'pattern', id, label: id });

/** Strings built from the characters that carry structure in keys, so collisions are likely if possible. */
const tricky = fc.string({
  unit: fc.constantFrom(
    'a',
    'b',
    ':',
    '{',
    '}',
    '%',
    '3',
    'A',
    '7',
    'B',
    'D',
    '2',
    '5',
    'u',
    '\ud800',
    '\udc00',
    '\ufffd',
  ),
});
/** How Redis sees a key: its UTF-8 bytes (a lone surrogate becomes U+FFFD). */
const asRedisKey = (key: string) => Buffer.from(key, 'utf8').toString('utf8');
/** Undoes `escapeKeyPart`. */
const unescape = (part: string) =>
  part.replace(/%u([0-9A-F]{4})|%([0-9A-F]{2})/g, (_, unit?: string, byte?: string) =>
    String.fromCharCode(parseInt(unit ?? byte!, 16)),
  );

/** The Redis Cluster hash tag: from the first '{' to the first '}' after it. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open === -1 || close === -1 ? undefined : key.slice(open + 1, close);
}

describe('identityKey', () => {
  it('is <prefix>:{<user>}, the user escaped', () => {
    expect(identityKey(PREFIX, 'alice')).toBe('ratelimit:{alice}');
    expect(identityKey(PREFIX, '10.0.0.1')).toBe('ratelimit:{10.0.0.1}');
    expect(identityKey(PREFIX, 'a:b{c}%')).toBe('ratelimit:{a%3Ab%7Bc%7D%25}');
  });

  it('is <prefix>:{<namespace>:<user>} in a namespace, never equal to a plain key', () => {
    expect(identityKey(PREFIX, '127.0.0.1', '1')).toBe('ratelimit:{1:127.0.0.1}');
    fc.assert(
      fc.property(tricky, tricky, tricky, tricky, (user1, ns1, user2, ns2) => {
        fc.pre(user1 !== user2 || ns1 !== ns2);
        expect(identityKey(PREFIX, user1, ns1)).not.toBe(identityKey(PREFIX, user2, ns2));
        expect(identityKey(PREFIX, user1, ns1)).not.toBe(identityKey(PREFIX, user2));
      }),
    );
  });
});

describe('escapeKeyPart', () => {
  it('leaves no separator, brace, bare escape character or lone surrogate, and can be undone', () => {
    fc.assert(
      fc.property(tricky, (part) => {
        const escaped = escapeKeyPart(part);
        expect(escaped).not.toMatch(/[:{}]/);
        expect(asRedisKey(escaped)).toBe(escaped);
        expect(unescape(escaped)).toBe(part);
      }),
    );
  });

  it('escapes lone surrogates and keeps surrogate pairs', () => {
    expect(escapeKeyPart('\ud800x')).toBe('%uD800x');
    expect(escapeKeyPart('\udbffx')).toBe('%uDBFFx');
    expect(escapeKeyPart('x\udc00')).toBe('x%uDC00');
    expect(escapeKeyPart('\ud800\ud83d\ude00\ude00')).toBe('%uD800\ud83d\ude00%uDE00');
    expect(escapeKeyPart('\ufffdx')).toBe('\ufffdx');
  });
});

describe('counter keys', () => {
  it("user 'a:b' + zone 'c' and user 'a' + zone 'b:c' never share a counter", () => {
    expect(counterKey('a:b', 'c')).not.toBe(counterKey('a', 'b:c'));
    expect(counterKey('a}', 'c')).not.toBe(counterKey('a', '}c'));
    expect(counterKey('a%3Ab', 'c')).not.toBe(counterKey('a:b', 'c'));
  });

  it('are injective in (user, zone), whatever characters ids contain, also as Redis stores them (UTF-8)', () => {
    fc.assert(
      fc.property(tricky, tricky, tricky, tricky, (user1, zone1, user2, zone2) => {
        fc.pre(user1 !== user2 || zone1 !== zone2);
        expect(asRedisKey(counterKey(user1, zone1))).not.toBe(asRedisKey(counterKey(user2, zone2)));
      }),
      { numRuns: 2000 },
    );
  });

  it('are injective in (user, pattern) and tell zones, patterns, routes and service scopes apart', () => {
    fc.assert(
      fc.property(tricky, tricky, tricky, tricky, (user1, id1, user2, id2) => {
        fc.pre(user1 !== user2 || id1 !== id2);
        expect(counterKey(user1, undefined, pattern(id1))).not.toBe(counterKey(user2, undefined, pattern(id2)));
      }),
    );
    const keys = [
      counterKey('u', 'x'),
      counterKey('u', undefined, pattern('x')),
      counterKey('u', undefined, { kind: 'route', id: 'x', label: 'x' }),
      counterKey('u', undefined, { kind: 'service', id: 'x', label: 'x' }),
    ];
    expect(new Set(keys).size).toBe(4);
    expect(scopeKey('pattern', 'a:GET', '*')).not.toBe(scopeKey('pattern', 'a', 'GET:*'));
  });

  it('hold exactly one {, closed by the first } after it: the hash tag is the user, whatever the ids', () => {
    fc.assert(
      fc.property(tricky, tricky, (user, zone) => {
        const key = counterKey(user, zone);
        expect(key.split('{')).toHaveLength(2);
        expect(hashTag(key)).toBe(escapeKeyPart(user));
        expect(hashTag(counterKey(user, undefined, pattern(zone)))).toBe(escapeKeyPart(user)); // same slot
      }),
    );
  });
});

describe('propertyName', () => {
  it('is the same text as the key, whatever it holds', () => {
    const parts = [':route:Reports.list', ':', 'w', '1000', 'fixed-window'];
    for (const key of [parts.join(''), `${parts[0]}:${parts[3]}`, '__proto__', '0', '', 'a%3Ab']) {
      expect(propertyName(key)).toBe(key);
    }
  });
});
