import { IdentityKeys } from '../../../lib/utils/identity-keys.js';
import { identityKey } from '../../../lib/utils/keys.js';

describe('IdentityKeys (identity keys cached per user)', () => {
  it('gives identityKey of every user and namespace, the same string for a user seen before', () => {
    const keys = new IdentityKeys('rl');
    for (const user of ['alice', 'a:b', '{x}', '\ud800']) {
      expect(keys.of(user)).toBe(identityKey('rl', user));
      expect(keys.of(user, '1')).toBe(identityKey('rl', user, '1'));
    }
    const first = keys.of('bob');
    expect(keys.of('bob')).toBe(first);
    expect(keys.of('bob', '0')).not.toBe(first);
  });

  it('holds at most `max` users, then starts over', () => {
    const keys = new IdentityKeys('rl', 2);
    const held = (keys as unknown as { keys: Map<string, string> }).keys;
    keys.of('a');
    keys.of('b');
    keys.of('a');
    expect([...held.keys()]).toEqual(['a', 'b']);
    expect(keys.of('c')).toBe(identityKey('rl', 'c'));
    expect([...held.keys()]).toEqual(['c']);
  });
});
