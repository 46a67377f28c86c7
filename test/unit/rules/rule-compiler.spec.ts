import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { InvalidRateLimitConfigError } from '../../../lib/errors/index.js';
import {
  compilePatterns,
  compileRule,
  validateAlgorithm,
  validateRules,
  type Rule,
  type RuleSource,
} from '../../../lib/rules/index.js';

const DEFAULTS = { algorithm: 'fixed-window' } as const;
const pattern = (id: string): RuleSource => ({ kind: 'pattern', id, label: `pattern "${id}"` });
const route = (id: string): RuleSource => ({ kind: 'route', id, label: `@RateLimit on ${id}` });
const keysOf = (rule: Rule, source: RuleSource) => compileRule(rule, source, DEFAULTS).limits.map((limit) => limit.key);

describe('compileRule', () => {
  it('one limit per period, with the window of each period', () => {
    const { limits } = compileRule({ second: 1, minute: 2, hour: 3, day: 4, month: 5 }, pattern('^/a'), DEFAULTS);
    expect(limits.map(({ name, limit, windowMs }) => [name, limit, windowMs])).toEqual([
      ['second', 1, 1000],
      ['minute', 2, 60_000],
      ['hour', 3, 3_600_000],
      ['day', 4, 86_400_000],
      ['month', 5, 31 * 86_400_000],
    ]);
  });

  it('a custom period is named after its window; windows may be fractional seconds', () => {
    const { limits } = compileRule({ limit: 3, window: 0.5 }, pattern('^/a'), DEFAULTS);
    expect(limits).toMatchObject([{ name: '0.5s', limit: 3, windowMs: 500, windowSeconds: 0.5 }]);
  });

  it('a rule without periods has no limits; blockTime becomes the block duration in ms', () => {
    expect(compileRule({ group: 'admin' }, pattern('^/a'), DEFAULTS).limits).toEqual([]);
    expect(compileRule({ second: 1, blockTime: 5 }, pattern('^/a'), DEFAULTS).block.durationMs).toBe(5000);
    expect(compileRule({ second: 1 }, pattern('^/a'), DEFAULTS).block.durationMs).toBe(0);
  });

  it("the module's algorithm unless the rule names one", () => {
    expect(compileRule({ second: 1 }, pattern('^/a'), { algorithm: 'gcra' }).limits[0].algorithm).toBe('gcra');
    const rule = compileRule({ second: 1, algorithm: 'sliding-window' }, pattern('^/a'), { algorithm: 'gcra' });
    expect(rule.limits[0].algorithm).toBe('sliding-window');
  });

  it('dryRun makes a shadow rule; the scope label is the zone, else the source (never a user)', () => {
    expect(compileRule({ second: 1, dryRun: true }, pattern('^/a'), DEFAULTS)).toMatchObject({
      shadow: true,
      scope: 'pattern:^/a',
    });
    expect(compileRule({ second: 1 }, route('R.h / h'), DEFAULTS)).toMatchObject({
      shadow: false,
      scope: 'route:R.h / h',
    });
    expect(compileRule({ second: 1, zone: 'login' }, route('R.h'), DEFAULTS).scope).toBe('zone:login');
  });

  describe('counter keys', () => {
    it('a zone is shared by every source and method; without one each source counts alone', () => {
      expect(keysOf({ second: 1, zone: 'z' }, pattern('^/a'))).toEqual(keysOf({ second: 1, zone: 'z' }, route('R.h')));
      expect(keysOf({ method: 'get', second: 1, zone: 'z' }, pattern('^/a'))).toEqual(
        keysOf({ method: 'post', second: 1, zone: 'z' }, pattern('^/b')),
      );
      expect(keysOf({ second: 1 }, pattern('^/a'))).not.toEqual(keysOf({ second: 1 }, pattern('^/b')));
      expect(keysOf({ second: 1 }, pattern('^/a'))).not.toEqual(keysOf({ second: 1 }, route('^/a')));
      expect(keysOf({ second: 1, zone: '^/a' }, pattern('x'))).not.toEqual(keysOf({ second: 1 }, pattern('^/a')));
    });

    it("per-method rules count apart; a '*' rule is one counter for every method", () => {
      const get = keysOf({ method: 'get', second: 1 }, pattern('^/a'));
      expect(get).not.toEqual(keysOf({ method: 'post', second: 1 }, pattern('^/a')));
      expect(get).not.toEqual(keysOf({ second: 1 }, pattern('^/a')));
      expect(get).toEqual(keysOf({ method: 'GET', second: 1 }, pattern('^/a')));
    });

    it('periods and algorithms have their own counters; the block key is none of them', () => {
      const rule = compileRule({ second: 1, minute: 1, limit: 1, window: 30 }, pattern('^/a'), DEFAULTS);
      const keys = rule.limits.map((limit) => limit.key);
      expect(new Set([...keys, rule.block.key]).size).toBe(4);
      expect(keysOf({ second: 1, algorithm: 'gcra' }, pattern('^/a'))).not.toEqual(
        keysOf({ second: 1 }, pattern('^/a')),
      );
    });
  });
});

describe('compilePatterns', () => {
  const matches = (source: string, path: string) => compilePatterns({ [source]: [] }, DEFAULTS)[0].regex.test(path);

  it.each([
    ['^/second_limit', '/second_limit', true],
    ['^/second_limit', '/second_limit/x', true],
    ['^/second_limit', '/x/second_limit', false],
    ['/b', '/a/b', false], // matched at the start, like re.match, even without '^'
    ['second_limit', '/second_limit', false],
    ['a|/b', '/c/b', false], // the whole alternation is anchored
    ['a|/b', '/b', true],
    ['^/exact$', '/exact', true],
    ['^/exact$', '/exact/more', false],
    ['^/Admin', '/ADMIN/users', true], // case-insensitive, as Express routes
    ['^/towns/\\d+$', '/towns/12', true],
  ])('%s on %s: %s', (source, path, expected) => {
    expect(matches(source, path)).toBe(expected);
  });

  it.each<[string, string]>([
    ['login', 'it can never match: paths start with "/" (write "^/login")'],
    ['^login', 'it can never match: paths start with "/" (write "^/login")'],
    ['api/v1', 'it can never match: paths start with "/" (write "^/api/v1")'],
    [
      '^/login/',
      'paths are matched without their trailing "/", so it never matches the path it names, only paths below it (write "^/login", or "^/login(/|$)")',
    ],
    ['^/login/$', 'it can never match: paths are matched without their trailing "/" (write "^/login$")'],
  ])('warns once naming a pattern that cannot match what it names: %s', (pattern, problem) => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    try {
      compilePatterns({ [pattern]: [{ second: 1 }], '^/fine': [{ second: 1 }] }, DEFAULTS);
      expect(warn.mock.calls).toEqual([
        [`The pattern "${pattern}" in RateLimitModule config limits nothing where you may expect: ${problem}.`],
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  it.each(['^/', '/', '^/$', '^/api', '.*login', '(?:/a|/b)', '^/a/b', '^/files/[^/]+$'])(
    'does not warn for %s',
    (pattern) => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
      try {
        compilePatterns({ [pattern]: [{ second: 1 }] }, DEFAULTS);
        expect(warn).not.toHaveBeenCalled();
      } finally {
        warn.mockRestore();
      }
    },
  );

  it('names the invalid pattern and the reason', () => {
    expect(() => compilePatterns({ '^/ok': [], '[a-': [] }, DEFAULTS)).toThrow(
      new InvalidRateLimitConfigError('Invalid pattern "[a-" in RateLimitModule config: Unterminated character class'),
    );
  });

  it("validates each pattern's rules, naming the pattern", () => {
    expect(() => compilePatterns({ '^/login': [{ second: 1 }, { minute: '5' as never }] }, DEFAULTS)).toThrow(
      'Invalid "minute" in rule 1 of pattern "^/login" in RateLimitModule config: the string "5" is not a whole number of hits >= 0.',
    );
  });
});

describe('validateRules', () => {
  const check = (rules: unknown) => () => validateRules(rules, 'pattern "^/a" in RateLimitModule config');

  it.each<[string, unknown, string]>([
    [
      'negative',
      [{ minute: -1 }],
      'Invalid "minute" in rule 0 of pattern "^/a" in RateLimitModule config: -1 is not a whole number of hits >= 0.',
    ],
    [
      'fractional',
      [{ second: 0.5 }],
      'Invalid "second" in rule 0 of pattern "^/a" in RateLimitModule config: 0.5 is not a whole number',
    ],
    [
      'a string (from the environment), suggesting Number(...)',
      [{ hour: '10' }],
      'Invalid "hour" in rule 0 of pattern "^/a" in RateLimitModule config: the string "10" is not a whole number of hits >= 0. Values from the environment or ConfigService are strings: convert with Number(...).',
    ],
    [
      'NaN, saying NaN (not null)',
      [{ day: NaN }],
      'Invalid "day" in rule 0 of pattern "^/a" in RateLimitModule config: NaN is not a whole number of hits >= 0. Number(...) of a missing or non-numeric value gives NaN',
    ],
    [
      'null, suggesting Number(...)',
      [{ minute: null }],
      'Invalid "minute" in rule 0 of pattern "^/a" in RateLimitModule config: null is not a whole number of hits >= 0. Give a number, e.g. Number(',
    ],
    [
      'a method that is not an HTTP method',
      [{ method: 'GTE', second: 1 }],
      `Invalid "method" in rule 0 of pattern "^/a" in RateLimitModule config: "GTE" is not an HTTP method; use a method name such as 'GET' or 'post'`,
    ],
    [
      'a method with a space',
      [{ method: 'get ', second: 1 }],
      'Invalid "method" in rule 0 of pattern "^/a" in RateLimitModule config: "get " is not an HTTP method',
    ],
    ['infinite', [{ month: Infinity }], 'Invalid "month" in rule 0'],
    ['negative custom limit', [{ limit: -2, window: 10 }], 'Invalid "limit" in rule 0'],
    ['limit without window', [{ limit: 5 }], '"limit" and "window" go together'],
    ['window under 1 ms (would round to 0 ms)', [{ limit: 5, window: 0.0004 }], 'Invalid "window" in rule 0'],
    [
      'window without limit',
      [{ second: 1 }, { window: 5 }],
      'Invalid rule 1 of pattern "^/a" in RateLimitModule config: "limit" and "window" go together',
    ],
    [
      'zero window',
      [{ limit: 1, window: 0 }],
      'Invalid "window" in rule 0 of pattern "^/a" in RateLimitModule config: 0 is not a number of seconds >= 0.001 (1 ms).',
    ],
    ['negative blockTime', [{ second: 1, blockTime: -1 }], 'Invalid "blockTime" in rule 0'],
    [
      'unknown key',
      [{ minutes: 5 }],
      'Unknown key "minutes" in rule 0 of pattern "^/a" in RateLimitModule config: known keys are group, method, second, minute, hour, day, month, limit, window, blockTime, zone, algorithm, cost, dryRun.',
    ],
    ['asgi spelling', [{ block_time: 5 }], 'Unknown key "block_time" in rule 0'],
    [
      'dryRun not a boolean',
      [{ minute: 1, dryRun: 'yes' }],
      'Invalid "dryRun" in rule 0 of pattern "^/a" in RateLimitModule config: expected true or false, got "yes".',
    ],
    [
      'empty group',
      [{ group: '' }],
      'Invalid "group" in rule 0 of pattern "^/a" in RateLimitModule config: expected a non-empty string, got "".',
    ],
    ['method not a string', [{ method: 1 }], 'Invalid "method" in rule 0'],
    [
      'unknown algorithm',
      [{ second: 1, algorithm: 'leaky' }],
      `Unknown algorithm "leaky" in rule 0 of pattern "^/a" in RateLimitModule config: use one of 'fixed-window', 'sliding-window', 'gcra'.`,
    ],
    [
      'a rule that is not an object',
      [null],
      'Invalid rule 0 of pattern "^/a" in RateLimitModule config: expected an object like { minute: 10 }, got null.',
    ],
    [
      'not a list',
      { minute: 1 },
      'Invalid pattern "^/a" in RateLimitModule config: expected an array of rules, got {"minute":1}.',
    ],
  ])('rejects %s', (_case, rules, message) => {
    expect(check(rules)).toThrow(InvalidRateLimitConfigError);
    expect(check(rules)).toThrow(message);
  });

  it('accepts every documented field, limit 0 and blockTime 0', () => {
    expect(
      check([
        { group: 'admin', method: 'post', second: 0, minute: 1, hour: 2, day: 3, month: 4, blockTime: 0 },
        { limit: 10, window: 2.5, blockTime: 1.5, zone: 'z', algorithm: 'gcra', dryRun: true },
        {},
      ]),
    ).not.toThrow();
  });

  it("accepts every HTTP method name in any case, and '*'", () => {
    expect(
      check(
        ['get', 'POST', 'Patch', 'head', 'OPTIONS', 'delete', 'PUT', 'propfind', '*'].map((method) => ({ method })),
      ),
    ).not.toThrow();
  });

  it('warns (not throws) for a period key that is present but undefined, naming the rule and pattern', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    try {
      expect(check([{ second: 1 }, { minute: undefined, hour: 5 }])).not.toThrow();
      expect(warn.mock.calls).toEqual([
        [
          'In rule 1 of pattern "^/a" in RateLimitModule config, "minute" is undefined, so it sets no minute limit (a missing environment variable?). Give a number, or remove the key.',
        ],
      ]);
      expect(check([{ second: 1 }])).not.toThrow();
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('validateAlgorithm names where the algorithm came from', () => {
    expect(() => validateAlgorithm('token-bucket', 'RateLimitModule option "algorithm"')).toThrow(
      `Unknown algorithm "token-bucket" in RateLimitModule option "algorithm": use one of 'fixed-window', 'sliding-window', 'gcra'.`,
    );
    expect(() => validateAlgorithm('gcra', 'x')).not.toThrow();
  });
});
