import { Inject } from '@nestjs/common';

/** Injection token of the storage the guard uses (a `RateLimitStorage`). */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');
/** Injection token of the function that resolves a call's identity (an `IdentifyFunction`). */
export const RATE_LIMIT_IDENTIFY = Symbol('RATE_LIMIT_IDENTIFY');
/** Injection token of the module's options with defaults applied (`ResolvedRateLimitOptions`). */
export const RATE_LIMIT_SETTINGS = Symbol('RATE_LIMIT_SETTINGS');
/** Injection token of the config patterns, compiled (`PatternRules[]`). */
export const RATE_LIMIT_PATTERNS = Symbol('RATE_LIMIT_PATTERNS');
/** Injection token of the Prometheus metrics (`PrometheusMetrics`, or null without the `metrics` option). */
export const RATE_LIMIT_METRICS = Symbol('RATE_LIMIT_METRICS');
/** Injection token of where decisions go (`DecisionRecorder`, or null without `metrics` and `onDecision`). */
export const RATE_LIMIT_DECISIONS = Symbol('RATE_LIMIT_DECISIONS');

/** Injects the module's storage (`RateLimitStorage`), e.g. in a guard subclass or a health check. */
export const InjectRateLimitStorage = (): PropertyDecorator & ParameterDecorator => Inject(RATE_LIMIT_STORAGE);
/** Injects the auth chain (`IdentifyFunction`). */
export const InjectRateLimitIdentify = (): PropertyDecorator & ParameterDecorator => Inject(RATE_LIMIT_IDENTIFY);
/** Injects the module's options with defaults applied (`ResolvedRateLimitOptions`). */
export const InjectRateLimitSettings = (): PropertyDecorator & ParameterDecorator => Inject(RATE_LIMIT_SETTINGS);
/** Injects the compiled config patterns (`PatternRules[]`). */
export const InjectRateLimitPatterns = (): PropertyDecorator & ParameterDecorator => Inject(RATE_LIMIT_PATTERNS);
