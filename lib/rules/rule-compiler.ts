import type { ExecutionContext } from '@nestjs/common';
import { METHODS } from 'node:http';
import type { Algorithm } from '../algorithms/algorithm.interface.js';
import { ALGORITHMS } from '../algorithms/algorithms.js';
import { DEFAULT_GROUP } from '../auth/identity.js';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import type { BlockScope } from '../storage/rate-limit-storage.interface.js';
import { describeValue, numberHint } from '../utils/describe-value.js';
import { scopeKey, type ScopeKind } from '../utils/keys.js';
import { isPromise, type MaybePromise } from '../utils/maybe-promise.js';
import { warnConfig } from './config-warnings.js';
import { PERIODS, type PeriodName } from './periods.js';
import type { Rule } from './rule.interface.js';

const PERIOD_NAMES = Object.keys(PERIODS) as PeriodName[];
const RULE_KEYS = new Set<string>([
  'group',
  'method',
  ...PERIOD_NAMES,
  'limit',
  'window',
  'blockTime',
  'zone',
  'algorithm',
  'cost',
  'dryRun',
]);

/** One limit of a compiled rule: `limit` hits per `windowMs` on one counter. */
export interface CompiledLimit {
  /** Policy name in the RateLimit headers: the period name, or `<window>s` for a custom window. */
  name: string;
  limit: number;
  windowMs: number;
  /** Window in whole seconds, as shown in `RateLimit-Policy` (`w=`). */
  windowSeconds: number;
  algorithm: Algorithm;
  /** Counter key, relative to the identity key. */
  key: string;
}

/** A validated rule with its keys computed, ready for the hot path. */
export interface CompiledRule {
  group: string;
  /** Upper-case HTTP method, or `*`. */
  method: string;
  /** Empty for a rule that only exempts its group. */
  limits: CompiledLimit[];
  /** The block scope of the rule (duration 0 when it has no `blockTime`). */
  block: BlockScope;
  /**
   * Hits one request counts in each limit: a whole number, or (for a cost function) a function of
   * the context that checks what the rule's function returns.
   */
  cost: number | CompiledCost;
  /** A shadow rule (`dryRun: true`): its limits never reject. */
  shadow: boolean;
  /**
   * Where the rule counts, as the `scope` label of the metrics: `zone:<zone>`, else
   * `pattern:<pattern>`, `route:<route id>` or `service:<scope>`. Comes from the configuration only.
   */
  scope: string;
}

/** A rule's cost function, its result checked: a whole number >= 0, else `InvalidRateLimitConfigError`. */
export type CompiledCost = (context: ExecutionContext) => MaybePromise<number>;

/** Where a list of rules comes from: it names the counting scope and appears in error messages. */
export interface RuleSource {
  kind: Exclude<ScopeKind, 'zone'>;
  id: string;
  /** Human description for error messages, e.g. `pattern "^/login" in RateLimitModule config`. */
  label: string;
}

/** Settings of the module that a compiled rule depends on. */
export interface CompileDefaults {
  algorithm: Algorithm;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isPositive = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0;

/**
 * `cost` when it is a whole number of hits >= 0; otherwise throws `InvalidRateLimitConfigError`
 * saying `Invalid <subject>: ...`, e.g. subject `cost returned by the cost function of rule 0 of ...`.
 */
export function checkCost(cost: unknown, subject: string, hint = ''): number {
  if (isCount(cost)) return cost;
  throw new InvalidRateLimitConfigError(
    `Invalid ${subject}: ${describeValue(cost)} is not a whole number of hits >= 0${hint}.${numberHint(cost)}`,
  );
}

/** Throws `InvalidRateLimitConfigError` naming `label` and the field when `algorithm` is not known. */
export function validateAlgorithm(algorithm: unknown, label: string): asserts algorithm is Algorithm {
  if (!ALGORITHMS.includes(algorithm as Algorithm)) {
    throw new InvalidRateLimitConfigError(
      `Unknown algorithm ${JSON.stringify(algorithm)} in ${label}: use one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')}.`,
    );
  }
}

/**
 * Checks a rule's shape and values; throws `InvalidRateLimitConfigError` naming `label`, the rule's
 * index and the offending field otherwise.
 */
export function validateRule(rule: unknown, index: number, label: string): asserts rule is Rule {
  const where = `rule ${index} of ${label}`;
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    throw new InvalidRateLimitConfigError(
      `Invalid ${where}: expected an object like { minute: 10 }, got ${JSON.stringify(rule)}.`,
    );
  }
  const fields = rule as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!RULE_KEYS.has(key)) {
      throw new InvalidRateLimitConfigError(
        `Unknown key "${key}" in ${where}: known keys are ${[...RULE_KEYS].join(', ')}.`,
      );
    }
  }
  for (const key of [...PERIOD_NAMES, 'limit'] as const) {
    const value = fields[key];
    if (value === undefined && key in fields) {
      warnConfig(
        `In ${where}, "${key}" is undefined, so it sets no ${key} limit (a missing environment variable?). ` +
          'Give a number, or remove the key.',
      );
    } else if (value !== undefined && !isCount(value)) {
      throw new InvalidRateLimitConfigError(
        `Invalid "${key}" in ${where}: ${describeValue(value)} is not a whole number of hits >= 0.${numberHint(value)}`,
      );
    }
  }
  if ((fields.limit === undefined) !== (fields.window === undefined)) {
    throw new InvalidRateLimitConfigError(
      `Invalid ${where}: "limit" and "window" go together (limit hits per window seconds); give both or neither.`,
    );
  }
  if (fields.window !== undefined && !(isPositive(fields.window) && fields.window >= 0.001)) {
    throw new InvalidRateLimitConfigError(
      `Invalid "window" in ${where}: ${JSON.stringify(fields.window)} is not a number of seconds >= 0.001 (1 ms).`,
    );
  }
  if (fields.blockTime !== undefined && !(fields.blockTime === 0 || isPositive(fields.blockTime))) {
    throw new InvalidRateLimitConfigError(
      `Invalid "blockTime" in ${where}: ${JSON.stringify(fields.blockTime)} is not a number of seconds >= 0.`,
    );
  }
  for (const key of ['group', 'method', 'zone'] as const) {
    const value = fields[key];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new InvalidRateLimitConfigError(
        `Invalid "${key}" in ${where}: expected a non-empty string, got ${JSON.stringify(value)}.`,
      );
    }
  }
  if (typeof fields.method === 'string' && fields.method !== '*' && !METHODS.includes(fields.method.toUpperCase())) {
    throw new InvalidRateLimitConfigError(
      `Invalid "method" in ${where}: ${JSON.stringify(fields.method)} is not an HTTP method; ` +
        `use a method name such as 'GET' or 'post' (any case, no spaces), or '*' for every method.`,
    );
  }
  if (fields.algorithm !== undefined) validateAlgorithm(fields.algorithm, where);
  if (fields.cost !== undefined && typeof fields.cost !== 'function') {
    checkCost(fields.cost, `"cost" in ${where}`, ', nor a function (context) => number');
  }
  if (fields.dryRun !== undefined && typeof fields.dryRun !== 'boolean') {
    throw new InvalidRateLimitConfigError(
      `Invalid "dryRun" in ${where}: expected true or false, got ${JSON.stringify(fields.dryRun)}.`,
    );
  }
}

/** Validates a list of rules (see `validateRule`). */
export function validateRules(rules: unknown, label: string): asserts rules is Rule[] {
  if (!Array.isArray(rules)) {
    throw new InvalidRateLimitConfigError(
      `Invalid ${label}: expected an array of rules, got ${JSON.stringify(rules)}.`,
    );
  }
  rules.forEach((rule, index) => validateRule(rule, index, label));
}

/**
 * Turns a validated rule into its hot-path form: limits with their counter keys, block scope, cost.
 * `index` is the rule's position in its list (named by errors of its cost function).
 */
export function compileRule(rule: Rule, source: RuleSource, defaults: CompileDefaults, index = 0): CompiledRule {
  const method = rule.method === undefined ? '*' : rule.method.toUpperCase();
  const scope = rule.zone !== undefined ? scopeKey('zone', rule.zone, '*') : scopeKey(source.kind, source.id, method);
  const algorithm = rule.algorithm ?? defaults.algorithm;
  const limits: CompiledLimit[] = [];
  const add = (name: string, limit: number, windowSeconds: number) => {
    const windowMs = Math.round(windowSeconds * 1000);
    limits.push({ name, limit, windowMs, windowSeconds, algorithm, key: `${scope}:${windowMs}:${algorithm}` });
  };
  for (const period of PERIOD_NAMES) {
    const limit = rule[period];
    if (limit !== undefined) add(period, limit, PERIODS[period]);
  }
  if (rule.limit !== undefined && rule.window !== undefined) add(`${rule.window}s`, rule.limit, rule.window);
  return {
    group: rule.group ?? DEFAULT_GROUP,
    method,
    limits,
    block: { key: `${scope}:block`, durationMs: Math.round((rule.blockTime ?? 0) * 1000) },
    shadow: rule.dryRun === true,
    scope: rule.zone !== undefined ? `zone:${rule.zone}` : `${source.kind}:${source.id}`,
    cost: compileCost(rule.cost, `cost returned by the cost function of rule ${index} of ${source.label}`),
  };
}

function compileCost(cost: Rule['cost'], subject: string): number | CompiledCost {
  if (typeof cost !== 'function') return cost ?? 1;
  const check = (value: unknown) => checkCost(value, subject);
  return (context) => {
    const value = cost(context);
    return isPromise(value) ? value.then(check) : check(value);
  };
}
