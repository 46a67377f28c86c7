import {
  InvalidRateLimitConfigError,
  RateLimit,
  RateLimitModule,
  type RateLimitModuleOptions,
} from '../../../../lib/index.js';
import { createApp, PLATFORMS } from '../../../support/app.js';

/** Options that must stop the application from booting, and the message that must say why. */
const BAD_OPTIONS: [string, unknown, string][] = [
  [
    'an invalid regex names the pattern',
    { config: { '??.*': [{ minute: 1 }] } },
    'Invalid pattern "??.*" in RateLimitModule config: Nothing to repeat',
  ],
  [
    'a negative limit',
    { config: { '^/a': [{ minute: -1 }] } },
    'Invalid "minute" in rule 0 of pattern "^/a" in RateLimitModule config: -1 is not a whole number of hits >= 0.',
  ],
  [
    'a fractional limit',
    { config: { '^/a': [{ group: 'admin' }, { second: 1.5 }] } },
    'Invalid "second" in rule 1 of pattern "^/a" in RateLimitModule config: 1.5 is not a whole number of hits >= 0.',
  ],
  [
    '`limit` without `window`',
    { config: { '^/a': [{ limit: 5 }] } },
    'Invalid rule 0 of pattern "^/a" in RateLimitModule config: "limit" and "window" go together (limit hits per window seconds); give both or neither.',
  ],
  [
    '`window` without `limit`',
    { config: { '^/a': [{ window: 10 }] } },
    'Invalid rule 0 of pattern "^/a" in RateLimitModule config: "limit" and "window" go together (limit hits per window seconds); give both or neither.',
  ],
  [
    'an unknown rule key (asgi-ratelimit spelling)',
    { config: { '^/login': [{ second: 1, block_time: 5 }] } },
    'Unknown key "block_time" in rule 0 of pattern "^/login" in RateLimitModule config',
  ],
  [
    'an unknown algorithm in a rule',
    { config: { '^/a': [{ minute: 1, algorithm: 'leaky-bucket' }] } },
    'Unknown algorithm "leaky-bucket" in rule 0 of pattern "^/a" in RateLimitModule config',
  ],
  [
    'an unknown algorithm in the module',
    { algorithm: 'token-bucket' },
    'Unknown algorithm "token-bucket" in RateLimitModule option "algorithm"',
  ],
  ['a bad headers option', { headers: 'draft-7' }, 'Invalid RateLimitModule option "headers": "draft-7"'],
  [
    'rules that are not a list',
    { config: { '^/a': { minute: 1 } } },
    'Invalid pattern "^/a" in RateLimitModule config: expected an array of rules',
  ],
  ['a keyPrefix with a brace', { keyPrefix: 'app{1}' }, 'Invalid RateLimitModule option "keyPrefix": "app{1}"'],
  ['an unknown onStorageError', { onStorageError: 'retry' }, 'Invalid RateLimitModule option "onStorageError"'],
  ['a negative storageTimeout', { storageTimeout: -5 }, 'Invalid RateLimitModule option "storageTimeout": -5'],
  ['an empty auth list', { auth: [] }, 'Invalid RateLimitModule option "auth": the list is empty'],
  ['an auth that is not a provider', { auth: 42 }, 'Invalid RateLimitModule option "auth" (entry 0)'],
  ['a storage without consume()', { storage: {} }, 'Invalid RateLimitModule option "storage"'],
  [
    'a NaN limit, saying NaN and how it happens',
    { config: { '^/a': [{ minute: NaN }] } },
    'Invalid "minute" in rule 0 of pattern "^/a" in RateLimitModule config: NaN is not a whole number of hits >= 0. Number(...) of a missing or non-numeric value gives NaN',
  ],
  [
    'a string limit (config.get()), suggesting Number(...)',
    { config: { '^/a': [{ minute: '3' }] } },
    'the string "3" is not a whole number of hits >= 0. Values from the environment or ConfigService are strings: convert with Number(...).',
  ],
  [
    'a null limit',
    { config: { '^/a': [{ minute: null }] } },
    'Invalid "minute" in rule 0 of pattern "^/a" in RateLimitModule config: null is not a whole number of hits >= 0. Give a number, e.g. Number(',
  ],
  [
    "method 'GTE'",
    { config: { '^/a': [{ method: 'GTE', minute: 1 }] } },
    'Invalid "method" in rule 0 of pattern "^/a" in RateLimitModule config: "GTE" is not an HTTP method',
  ],
  [
    "method 'get '",
    { config: { '^/a': [{ method: 'get ', minute: 1 }] } },
    'Invalid "method" in rule 0 of pattern "^/a" in RateLimitModule config: "get " is not an HTTP method',
  ],
  [
    'an unknown module option',
    { confg: { '^/a': [{ minute: 1 }] } },
    'Unknown RateLimitModule option "confg": known options are auth, storage, config',
  ],
  [
    'a NaN storageTimeout',
    { storageTimeout: NaN },
    'Invalid RateLimitModule option "storageTimeout": NaN; use a number of ms > 0. Number(...)',
  ],
];

describe.each(PLATFORMS)('bootstrap validation on %s', (platform) => {
  it.each(BAD_OPTIONS)('forRoot: %s', async (_case, options, message) => {
    const boot = createApp(platform, { imports: [RateLimitModule.forRoot(options as RateLimitModuleOptions)] });
    await expect(boot).rejects.toThrow(InvalidRateLimitConfigError);
    await expect(boot).rejects.toThrow(message);
  });

  it.each<[string, unknown, string]>([
    [
      'an array',
      [{ config: {} }],
      'Invalid RateLimitModule options: expected an object like { auth, storage, config }, got [{"config":{}}]',
    ],
    [
      'undefined',
      undefined,
      'Invalid RateLimitModule options: expected an object like { auth, storage, config }, got undefined',
    ],
    ['a string', 'fixed-window', 'got the string "fixed-window" (did the forRootAsync factory return what you meant?)'],
  ])('forRootAsync: a factory that returns %s fails naming it', async (_case, value, message) => {
    const boot = createApp(platform, { imports: [RateLimitModule.forRootAsync({ useFactory: () => value as never })] });
    await expect(boot).rejects.toThrow(InvalidRateLimitConfigError);
    await expect(boot).rejects.toThrow(message);
  });

  it('forRootAsync: options from a factory are validated the same way', async () => {
    const boot = createApp(platform, {
      imports: [RateLimitModule.forRootAsync({ useFactory: async () => ({ config: { '(': [] } }) })],
    });
    await expect(boot).rejects.toThrow('Invalid pattern "(" in RateLimitModule config: Unterminated group');
  });
});

describe('forRootAsync without a way to produce the options', () => {
  it.each([{}, { imports: [], inject: ['CONFIG'] }])(
    '%j fails naming useFactory, useClass and useExisting',
    (options) => {
      expect(() => RateLimitModule.forRootAsync(options as never)).toThrow(InvalidRateLimitConfigError);
      expect(() => RateLimitModule.forRootAsync(options as never)).toThrow(
        'RateLimitModule.forRootAsync needs "useFactory", "useClass" or "useExisting" to produce the options',
      );
    },
  );
});

describe('@RateLimit validation', () => {
  it('throws when the class is defined, naming the decorator and the field', () => {
    expect(() => {
      class Controller {
        @RateLimit({ minute: 1 }, { hour: -5 }) handler() {}
      }
      return Controller;
    }).toThrow('Invalid "hour" in rule 1 of @RateLimit(...): -5 is not a whole number of hits >= 0.');
  });
});
