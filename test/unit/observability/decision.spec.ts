import { DECISIONS, decide } from '../../../lib/observability/decision.js';
import { LimitPlans, RuleList, type Rule, type RuleSource } from '../../../lib/rules/index.js';
import { MemoryStorage, type ConsumeResult } from '../../../lib/storage/index.js';
import { FakeClock } from '../../support/app.js';

const DEFAULTS = { algorithm: 'fixed-window' } as const;
const source = (kind: RuleSource['kind'], id: string): RuleSource => ({ kind, id, label: id });
const ruleOf = (kind: RuleSource['kind'], id: string, rule: Rule) =>
  new RuleList(source(kind, id), [rule], DEFAULTS).rules[0];

/** A plan of the given rules on a MemoryStorage, and a function that sends one request and decides it. */
function scenario(...rules: ReturnType<typeof ruleOf>[]) {
  const clock = new FakeClock();
  const storage = new MemoryStorage({ clock: clock.now });
  const plan = new LimitPlans().planFor(rules);
  const send = (dryRun = false) => {
    const result: ConsumeResult = storage.consume({ identityKey: 'k:{u}', limits: plan.checks, blocks: plan.blocks });
    const out: number[] = [];
    const decision = DECISIONS[decide(plan, result, dryRun, out)];
    const scopes = Object.fromEntries(plan.scopes.map((scope, i) => [scope, out[i] === -1 ? '-' : DECISIONS[out[i]]]));
    return { allowed: result.allowed, decision, scopes };
  };
  return { plan, send, clock };
}

describe('decide: what each scope counts', () => {
  it('one scope: allowed while there is room, then rejected', () => {
    const { send } = scenario(ruleOf('route', 'R.h', { minute: 2 }));
    expect([send(), send(), send()].map((sent) => sent.decision)).toEqual(['allowed', 'allowed', 'rejected']);
    expect(send().scopes).toEqual({ 'route:R.h': 'rejected' });
  });

  it('two scopes: the one that rejects says so; the other counted nothing, so it counts nothing', () => {
    const { send } = scenario(ruleOf('pattern', '^/', { minute: 100 }), ruleOf('route', 'R.h', { minute: 1 }));
    expect(send().scopes).toEqual({ 'pattern:^/': 'allowed', 'route:R.h': 'allowed' });
    expect(send()).toEqual({
      allowed: false,
      decision: 'rejected',
      scopes: { 'pattern:^/': '-', 'route:R.h': 'rejected' },
    });
  });

  it('a block: blocked in the blocking scope, on the rejection that starts it and while it stands', () => {
    const { send, clock } = scenario(
      ruleOf('pattern', '^/', { minute: 100 }),
      ruleOf('route', 'R.h', { second: 1, blockTime: 60 }),
    );
    send();
    expect(send()).toMatchObject({ decision: 'blocked', scopes: { 'pattern:^/': '-', 'route:R.h': 'blocked' } });
    clock.advanceSeconds(5); // the second has passed: only the block rejects now
    expect(send()).toMatchObject({ decision: 'blocked', scopes: { 'pattern:^/': '-', 'route:R.h': 'blocked' } });
  });

  it("the module's dryRun: what would be rejected or blocked counts as dry_run", () => {
    const { send } = scenario(ruleOf('route', 'R.h', { second: 1, blockTime: 60 }));
    send(true);
    expect(send(true)).toMatchObject({ allowed: false, decision: 'dry_run', scopes: { 'route:R.h': 'dry_run' } });
    expect(send(true)).toMatchObject({ decision: 'dry_run', scopes: { 'route:R.h': 'dry_run' } });
  });

  it('a shadow rule never rejects: dry_run in its scope once it has no room, the call allowed elsewhere', () => {
    const { send, plan } = scenario(
      ruleOf('pattern', '^/', { minute: 100 }),
      ruleOf('pattern', '^/new', { minute: 1, zone: 'new-limit', dryRun: true }),
    );
    expect(plan.checks.map((check) => check.shadow)).toEqual([false, true]);
    expect(send().decision).toBe('allowed');
    for (let i = 0; i < 3; i++) {
      expect(send()).toEqual({
        allowed: true,
        decision: 'dry_run',
        scopes: { 'pattern:^/': 'allowed', 'zone:new-limit': 'dry_run' },
      });
    }
  });

  it('an enforced rule rejecting beside a full shadow rule: rejected there, dry_run in the shadow scope', () => {
    const { send } = scenario(
      ruleOf('route', 'R.h', { minute: 1 }),
      ruleOf('pattern', '^/', { minute: 1, dryRun: true }),
    );
    send();
    expect(send()).toMatchObject({
      decision: 'rejected',
      scopes: { 'route:R.h': 'rejected', 'pattern:^/': 'dry_run' },
    });
  });

  it('one counter named by an enforced and a shadow rule (same zone) is enforced at the enforced limit', () => {
    const { plan } = scenario(
      ruleOf('pattern', '^/a', { minute: 2, zone: 'z', dryRun: true }),
      ruleOf('route', 'R.h', { minute: 5, zone: 'z' }),
    );
    expect(plan.checks).toMatchObject([{ limit: 5, shadow: false }]);
    expect(plan.scopes).toEqual(['zone:z']);
  });
});

describe('MemoryStorage and shadow limits (LimitCheck.shadow)', () => {
  it('a full shadow limit reports no room but neither rejects nor blocks, and records nothing while full', () => {
    const storage = new MemoryStorage({ clock: new FakeClock().now });
    const request = {
      identityKey: 'k:{u}',
      limits: [
        { key: ':a', limit: 10, windowMs: 60_000, algorithm: 'fixed-window', block: 0 },
        { key: ':s', limit: 1, windowMs: 60_000, algorithm: 'fixed-window', block: 1, shadow: true },
      ] as const,
      blocks: [
        { key: ':a:block', durationMs: 0 },
        { key: ':s:block', durationMs: 60_000 },
      ],
    };
    const consume = () => storage.consume({ ...request, limits: [...request.limits] });
    expect(consume()).toMatchObject({ allowed: true, limits: [{ remaining: 9 }, { remaining: 0, retryAfterMs: 0 }] });
    const full = consume();
    expect(full).toMatchObject({
      allowed: true,
      blocked: false,
      retryAfterMs: 0,
      limits: [{ remaining: 8 }, { remaining: 0 }],
    });
    expect(full.limits[1].retryAfterMs).toBeGreaterThan(0);
    expect(consume()).toMatchObject({ allowed: true, limits: [{ remaining: 7 }, { remaining: 0 }] });
  });
});
