import type { ExecutionContext } from '@nestjs/common';
import { InvalidRateLimitConfigError } from '../../../lib/errors/index.js';
import { costsOf, LimitPlans, RuleList, type Rule, type RuleSource } from '../../../lib/rules/index.js';

const DEFAULTS = { algorithm: 'fixed-window' } as const;
const source = (id: string): RuleSource => ({ kind: 'pattern', id, label: `pattern "${id}"` });
/** The compiled rule of a one-rule list. */
const compiled = (id: string, rule: Rule) => new RuleList(source(id), [rule], DEFAULTS).select('default', 'GET')!;
const context = { id: 'ctx' } as unknown as ExecutionContext;

describe('LimitPlan costs', () => {
  const plans = new LimitPlans();

  it('has no costs when every rule costs 1, and no cost functions to call', () => {
    const plan = plans.planFor([compiled('^/a', { minute: 5, hour: 50 }), compiled('^/', { second: 1 })]);
    expect(plan.costs).toBeUndefined();
    expect(plan.costFunctions).toBeUndefined();
    expect(costsOf(plan, undefined)).toBeUndefined();
  });

  it("gives each check its rule's number cost", () => {
    const plan = plans.planFor([compiled('^/a', { minute: 5, hour: 50, cost: 3 }), compiled('^/', { second: 10 })]);
    expect(plan.checks.map((check) => check.limit)).toEqual([5, 50, 10]);
    expect(plan.costs).toEqual([3, 3, 1]);
  });

  it('counts the larger cost once when two rules name the same counter (one zone)', () => {
    const light = compiled('^/a', { minute: 10, zone: 'z', cost: 2 });
    const heavy = compiled('^/a/b', { minute: 20, zone: 'z', cost: 5 });
    for (const rules of [
      [light, heavy],
      [heavy, light],
    ]) {
      const plan = plans.planFor(rules);
      expect(plan.checks).toHaveLength(1);
      expect(plan.checks[0].limit).toBe(10); // the stricter limit
      expect(plan.costs).toEqual([5]); // the larger cost, once
      expect(plan.checkOf).toEqual([0, 0]);
    }
  });

  it('calls cost functions with the context, merging their values with the number costs per counter', () => {
    const calls: unknown[] = [];
    const byFunction = compiled('^/a', { minute: 10, zone: 'z', cost: (ctx) => (calls.push(ctx), 4) });
    const byNumber = compiled('^/b', { minute: 10, zone: 'z', cost: 6 });
    const other = compiled('^/', { hour: 100, cost: (ctx) => (calls.push(ctx), 0) });
    const plan = plans.planFor([byFunction, byNumber, other]);
    expect(plan.costFunctions).toHaveLength(2);
    expect(costsOf(plan, context)).toEqual([6, 0]); // the zone counter: max(4, 6); the hour limit: 0
    expect(calls).toEqual([context, context]);
    const smaller = plans.planFor([byFunction, other]);
    expect(costsOf(smaller, context)).toEqual([4, 0]);
  });

  it('answers with a promise only when a cost function does', async () => {
    const later = compiled('^/a', { minute: 10, cost: async () => 7 });
    const now = compiled('^/', { hour: 10, cost: () => 2 });
    expect(costsOf(plans.planFor([now]), context)).toEqual([2]);
    const pending = costsOf(plans.planFor([later, now]), context);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).resolves.toEqual([7, 2]);
  });

  it('refuses to guess a cost without a context to call the function with', () => {
    const plan = plans.planFor([compiled('^/a', { minute: 10, cost: () => 2 })]);
    expect(() => costsOf(plan, undefined)).toThrow(InvalidRateLimitConfigError);
  });

  it('caches the draft RateLimit-Policy with the plan', () => {
    const rules = [compiled('^/a', { minute: 10, limit: 5, window: 2 }), compiled('^/', { minute: 100 })];
    const plan = plans.planFor(rules);
    expect(plan.policy.policy).toBe('"minute";q=10;w=60, "2s";q=5;w=2, "minute-2";q=100;w=60');
    expect(plan.policy.prefixes).toEqual(['"minute";r=', '"2s";r=', '"minute-2";r=']);
    expect(plans.planFor([...rules]).policy).toBe(plan.policy);
  });
});

describe('LimitPlans.planFor', () => {
  it('builds the plan of a combination once, and of one rule once for every LimitPlans', () => {
    const [a, b] = [compiled('^/a', { minute: 5 }), compiled('^/b', { second: 2, hour: 20 })];
    const plans = new LimitPlans();
    const pair = plans.planFor([a, b]);
    expect(plans.planFor([a, b])).toBe(pair);
    expect(plans.planFor([b, a])).not.toBe(pair); // the order is the headers' order
    const alone = plans.planFor([b]);
    expect(alone.applied.map((limit) => limit.name)).toEqual(['second', 'hour']);
    expect(plans.planFor([b])).toBe(alone);
    expect(new LimitPlans().planFor([b])).toBe(alone); // a plan depends only on its rules
    expect(plans.planFor([a]).applied.map((limit) => limit.name)).toEqual(['minute']);
  });
});
