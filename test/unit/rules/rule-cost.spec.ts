import type { ExecutionContext } from '@nestjs/common';
import { InvalidRateLimitConfigError } from '../../../lib/errors/index.js';
import { compileRule, validateRules, type RuleSource } from '../../../lib/rules/index.js';

const DEFAULTS = { algorithm: 'fixed-window' } as const;
const LABEL = 'pattern "^/a" in RateLimitModule config';
const SOURCE: RuleSource = { kind: 'pattern', id: '^/a', label: LABEL };
const context = {} as ExecutionContext;

describe('Rule.cost validation', () => {
  const check = (rules: unknown) => () => validateRules(rules, LABEL);

  it.each<[string, unknown, string]>([
    ['negative', -1, '-1 is not a whole number of hits >= 0'],
    ['fractional', 1.5, '1.5 is not a whole number of hits >= 0'],
    ['NaN (named as NaN, not null)', NaN, 'NaN is not a whole number of hits >= 0'],
    ['a string', '3', 'the string "3" is not a whole number of hits >= 0'],
    ['null', null, 'null is not a whole number of hits >= 0'],
    ['an object', { hits: 2 }, '{"hits":2} is not a whole number of hits >= 0'],
  ])('rejects a cost that is %s, naming the field and the rule', (_case, cost, detail) => {
    const rules = [{ second: 1 }, { minute: 5, cost }];
    expect(check(rules)).toThrow(InvalidRateLimitConfigError);
    expect(check(rules)).toThrow(
      `Invalid "cost" in rule 1 of ${LABEL}: ${detail}, nor a function (context) => number.`,
    );
  });

  it('says how to convert a string', () => {
    expect(check([{ minute: 5, cost: '3' }])).toThrow('convert with Number(...)');
  });

  it('accepts whole numbers >= 0 (0 included) and functions', () => {
    expect(
      check([
        { minute: 5, cost: 0 },
        { hour: 1, cost: 7 },
        { day: 1, cost: () => 2 },
      ]),
    ).not.toThrow();
  });
});

describe('compiled cost', () => {
  it('is 1 by default and the number given otherwise', () => {
    expect(compileRule({ minute: 5 }, SOURCE, DEFAULTS).cost).toBe(1);
    expect(compileRule({ minute: 5, cost: 0 }, SOURCE, DEFAULTS).cost).toBe(0);
    expect(compileRule({ minute: 5, cost: 4 }, SOURCE, DEFAULTS).cost).toBe(4);
  });

  it('calls a cost function with the context, per call, and passes a valid result through', async () => {
    const seen: unknown[] = [];
    const rule = compileRule({ minute: 5, cost: (ctx) => (seen.push(ctx), 3) }, SOURCE, DEFAULTS);
    const cost = rule.cost as (ctx: ExecutionContext) => number;
    expect(cost(context)).toBe(3);
    expect(cost(context)).toBe(3);
    expect(seen).toEqual([context, context]);
    const asyncRule = compileRule({ minute: 5, cost: async () => 2 }, SOURCE, DEFAULTS);
    await expect((asyncRule.cost as (ctx: ExecutionContext) => Promise<number>)(context)).resolves.toBe(2);
  });

  it.each<[string, unknown, string]>([
    ['a string', '2', 'the string "2" is not a whole number of hits >= 0'],
    ['undefined', undefined, 'undefined is not a whole number of hits >= 0'],
    ['negative', -3, '-3 is not a whole number of hits >= 0'],
    ['NaN', NaN, 'NaN is not a whole number of hits >= 0'],
  ])('rejects a cost function result that is %s, naming the rule (never 1 instead)', async (_case, value, detail) => {
    const message = `Invalid cost returned by the cost function of rule 2 of ${LABEL}: ${detail}.`;
    const sync = compileRule({ minute: 5, cost: () => value as number }, SOURCE, DEFAULTS, 2);
    expect(() => (sync.cost as (ctx: ExecutionContext) => number)(context)).toThrow(InvalidRateLimitConfigError);
    expect(() => (sync.cost as (ctx: ExecutionContext) => number)(context)).toThrow(message);
    const later = compileRule({ minute: 5, cost: async () => value as number }, SOURCE, DEFAULTS, 2);
    await expect((later.cost as (ctx: ExecutionContext) => Promise<number>)(context)).rejects.toThrow(message);
  });
});
