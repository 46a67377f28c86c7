import { PatternHits } from '../../../lib/rules/pattern-hits.js';
import type { RateLimitInfo } from '../../../lib/rules/rate-limit-info.interface.js';
import { RuleList } from '../../../lib/rules/rule-list.js';

const defaults = { algorithm: 'fixed-window' as const };
const pattern = new RuleList({ kind: 'pattern', id: '^/graphql', label: 'pattern' }, [{ minute: 1 }], defaults);
const route = new RuleList({ kind: 'route', id: 'R.q', label: 'route' }, [{ minute: 1 }], defaults);
const info = (allowed: boolean): RateLimitInfo => ({
  identity: { user: 'u', group: 'default' },
  allowed,
  retryAfter: allowed ? 0 : 1,
  blocked: false,
  limits: [],
});
const kinds = (lists: readonly RuleList[]) => lists.map((list) => list.source.kind);

describe('PatternHits (config patterns once per HTTP request)', () => {
  it('leaves the patterns out once a call of the request was admitted with them', () => {
    const hits = new PatternHits();
    const request = {};
    const seen: string[][] = [];
    const limit = (lists: readonly RuleList[]) => (seen.push(kinds(lists)), info(true));
    hits.limit(request, [route, pattern], limit);
    hits.limit(request, [route, pattern], limit);
    hits.limit({}, [pattern], limit); // another request
    expect(seen).toEqual([['route', 'pattern'], ['route'], ['pattern']]);
  });

  it('tries the patterns again after a rejected call (it counted nothing)', () => {
    const hits = new PatternHits();
    const request = {};
    const seen: string[][] = [];
    const answers = [false, true, true];
    const limit = (lists: readonly RuleList[]) => (seen.push(kinds(lists)), info(answers[seen.length - 1]));
    for (let i = 0; i < 3; i++) hits.limit(request, [pattern], limit);
    expect(seen).toEqual([['pattern'], ['pattern'], []]);
  });

  it('makes later calls wait while the first is in flight, and retry if it failed', async () => {
    const hits = new PatternHits();
    const request = {};
    const seen: string[][] = [];
    let fail!: (error: Error) => void;
    const first = hits.limit(request, [pattern], (lists) => {
      seen.push(kinds(lists));
      return new Promise<RateLimitInfo>((_, reject) => (fail = reject));
    });
    const second = hits.limit(request, [route, pattern], async (lists) => (seen.push(kinds(lists)), info(true)));
    expect(seen).toEqual([['pattern']]); // the second waits
    fail(new Error('storage down'));
    await expect(first).rejects.toThrow('storage down');
    await second;
    expect(seen).toEqual([['pattern'], ['route', 'pattern']]);
    await hits.limit(request, [route, pattern], async (lists) => (seen.push(kinds(lists)), info(true)));
    expect(seen[2]).toEqual(['route']);
  });
});
