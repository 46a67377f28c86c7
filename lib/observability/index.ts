export type { DecisionKind, RateLimitDecision, ScopeDecision } from './decision.js';
export type { MetricsOptions } from './prometheus.metrics.js';
