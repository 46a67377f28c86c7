import { draftPolicy, writeRateLimitHeaders, type LimitInfo } from '../../../lib/headers/rate-limit-headers.js';

const write = (limits: LimitInfo[], policy = draftPolicy(limits)): Record<string, unknown> => {
  const headers: Record<string, unknown> = {};
  writeRateLimitHeaders(headers, (target, name, value) => (target[name] = value), 'draft', limits, policy);
  return headers;
};

const limit = (name: string, remaining: number, reset: number, extra: Partial<LimitInfo> = {}): LimitInfo => ({
  name,
  limit: 10,
  window: 60,
  remaining,
  reset,
  ...extra,
});

describe('writeRateLimitHeaders (draft)', () => {
  it('formats every reset the same whether met before, above the kept range, or 0', () => {
    for (const reset of [60, 60, 0, 3600, 3601, 86_400, 86_400, 2_678_400]) {
      expect(write([limit('minute', 9, reset)]).RateLimit).toBe(`"minute";r=9;t=${reset}`);
    }
  });

  it('gives two requests with the same reset and different counts their own values', () => {
    const policy = draftPolicy([limit('second', 0, 0), limit('minute', 0, 0)]);
    const first = write([limit('second', 4, 1), limit('minute', 9, 60)], policy).RateLimit;
    const second = write([limit('second', 3, 1), limit('minute', 8, 60)], policy).RateLimit;
    expect(first).toBe('"second";r=4;t=1, "minute";r=9;t=60');
    expect(second).toBe('"second";r=3;t=1, "minute";r=8;t=60');
  });

  it('starts the list at the first limit read when earlier ones are unknown', () => {
    const limits = [limit('second', 0, 0, { unknown: true }), limit('minute', 7, 30), limit('hour', 99, 3000)];
    expect(write(limits)).toEqual({
      'RateLimit-Policy': '"second";q=10;w=60, "minute";q=10;w=60, "hour";q=10;w=60',
      RateLimit: '"minute";r=7;t=30, "hour";r=99;t=3000',
    });
  });

  it('takes a policy without separated prefixes (one built by hand)', () => {
    const limits = [limit('minute', 1, 5), limit('minute', 2, 6)];
    const { policy, prefixes } = draftPolicy(limits);
    expect(write(limits, { policy, prefixes }).RateLimit).toBe('"minute";r=1;t=5, "minute-2";r=2;t=6');
  });
});
