export { RateLimitModule } from './rate-limit.module.js';
export type { RateLimitModuleExtras } from './rate-limit.module-definition.js';
export { RateLimitGuard } from './rate-limit.guard.js';
export { RateLimitService } from './rate-limit.service.js';
export type { RateLimitCall } from './rate-limit.service.js';
export { RateLimitHealthIndicator } from './rate-limit.health.js';
export type { RateLimitHealthDetails, RateLimitHealthOptions, RateLimitHealthResult } from './rate-limit.health.js';
export type { DecisionKind, RateLimitDecision, ScopeDecision } from './observability/index.js';
export type { MetricsOptions } from './observability/index.js';
export type {
  HeadersMode,
  RateLimitModuleOptions,
  RateLimitOptionsFactory,
  ResolvedRateLimitOptions,
  StorageErrorPolicy,
} from './rate-limit.options.js';
export {
  InjectRateLimitIdentify,
  InjectRateLimitPatterns,
  InjectRateLimitSettings,
  InjectRateLimitStorage,
  RATE_LIMIT_IDENTIFY,
  RATE_LIMIT_PATTERNS,
  RATE_LIMIT_SETTINGS,
  RATE_LIMIT_STORAGE,
} from './rate-limit.tokens.js';

export { RateLimit, SkipRateLimit } from './decorators/index.js';
export type {
  CompiledCost,
  CompiledLimit,
  CompiledRule,
  CostFunction,
  LimitPlan,
  PatternRules,
  PlanCostFunction,
  RateLimitInfo,
  RouteRateLimit,
  Rule,
  RuleList,
  RuleSource,
} from './rules/index.js';
export type { DraftPolicy, LimitInfo } from './headers/index.js';
export { requestOf } from './contexts/index.js';
export type { ContextKind, PatternScope } from './contexts/index.js';
export { ClientIpAuth, createJwtAuth, JwtAuth, SessionAuth } from './auth/index.js';
export type {
  AuthFunction,
  AuthProvider,
  ClientIpAuthOptions,
  IdentifyFunction,
  Identity,
  JwtAuthOptions,
  JwtVerifier,
  RateLimitAuth,
  ResolvedIdentity,
  SessionAuthOptions,
} from './auth/index.js';
export { MemoryStorage, RedisStorage } from './storage/index.js';
export type {
  BlockScope,
  ConsumeRequest,
  ConsumeResult,
  IoredisCompatibleClient,
  LimitCheck,
  MemoryStorageOptions,
  NodeRedisCompatibleClient,
  RateLimitStorage,
  RedisScriptClient,
  RedisStorageOptions,
} from './storage/index.js';
export type { Algorithm, LimitStatus } from './algorithms/index.js';
export {
  EmptyInformation,
  InvalidRateLimitConfigError,
  RateLimitExceededException,
  RateLimitGraphQLError,
} from './errors/index.js';
