import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DecisionRecorder } from '../../../lib/observability/decision-recorder.js';
import { PrometheusMetrics } from '../../../lib/observability/prometheus.metrics.js';
import { LimitPlans, RuleList } from '../../../lib/rules/index.js';
import { report } from '../../../lib/rules/limit-plan.js';
import { MemoryStorage } from '../../../lib/storage/index.js';
import { parsePrometheusText, requestCounts } from '../../support/prometheus-text.js';

const rules = new RuleList({ kind: 'pattern', id: '^/a', label: 'a' }, [{ minute: 100 }], {
  algorithm: 'fixed-window',
}).rules;
const plan = new LimitPlans().planFor(rules);
const identity = { user: 'u', group: 'default' };

function decideOnce(recorder: DecisionRecorder, storage = new MemoryStorage()) {
  const result = storage.consume({ identityKey: 'k:{u}', limits: plan.checks, blocks: plan.blocks });
  recorder.record(plan, result, report(identity, plan, result), undefined);
}

describe('DecisionRecorder: a failing onDecision', () => {
  afterEach(() => jest.useRealTimers());

  it('is logged at once, then at most once a minute with the count of failures since', () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const logger = { error: jest.fn() };
    const recorder = new DecisionRecorder(
      undefined,
      () => {
        throw new Error('boom');
      },
      false,
      logger,
    );
    for (let i = 0; i < 10; i++) decideOnce(recorder);
    expect(logger.error).toHaveBeenCalledTimes(1);
    jest.setSystemTime(Date.now() + 60_000);
    decideOnce(recorder);
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.error.mock.calls[1][0]).toMatch(/and 9 more time\(s\) since the last report: boom/);
  });
});

describe('PrometheusMetrics', () => {
  it('beyond 1,000 scopes, the rest count under scope="other", with one warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    const registry = new Registry();
    const metrics = await PrometheusMetrics.create({ registry, prefix: '' });
    for (let i = 0; i < 1005; i++) metrics.count([`service:job-${i}`], [0]);
    const counts = requestCounts(parsePrometheusText(await registry.metrics()));
    expect(Object.keys(counts)).toHaveLength(1001);
    expect(counts.other).toEqual({ allowed: 5, rejected: 0, blocked: 0, dry_run: 0 });
    expect(warn).toHaveBeenCalledTimes(1);
    metrics.onModuleDestroy();
    expect(await registry.getMetricsAsJSON()).toEqual([]);
    warn.mockRestore();
  });
});
