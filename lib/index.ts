export { RateLimitModule } from './rate-limit.module.js';
export type { RateLimitModuleExtras } from './rate-limit.module-definition.js';
export { RateLimitGuard } from './rate-limit.guard.js';
export type { IdentifyFunction, RouteRateLimit } from './rate-limit.guard.js';
export { RateLimitService } from './rate-limit.service.js';
export type {
  HeadersMode,
  LimitInfo,
  RateLimitInfo,
  RateLimitModuleOptions,
  RateLimitOptionsFactory,
  StorageErrorPolicy,
} from './rate-limit.options.js';
export { RATE_LIMIT_STORAGE } from './rate-limit.constants.js';

export { RateLimit, SkipRateLimit } from './decorators/index.js';
export type { Rule } from './rules/index.js';
export { ClientIpAuth, createJwtAuth, JwtAuth, SessionAuth } from './auth/index.js';
export type {
  AuthFunction,
  AuthProvider,
  ClientIpAuthOptions,
  Identity,
  JwtAuthOptions,
  JwtVerifier,
  RateLimitAuth,
  SessionAuthOptions,
} from './auth/index.js';
export { MemoryStorage, RedisStorage } from './storage/index.js';
export type {
  BlockScope,
  ConsumeRequest,
  ConsumeResult,
  LimitCheck,
  MemoryStorageOptions,
  RateLimitStorage,
  RedisScriptClient,
  RedisStorageOptions,
} from './storage/index.js';
export type { Algorithm, LimitStatus } from './algorithms/index.js';
export { EmptyInformation, InvalidRateLimitConfigError, RateLimitExceededException } from './errors/index.js';
