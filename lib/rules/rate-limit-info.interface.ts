import type { Identity } from '../auth/rate-limit-auth.interface.js';
import type { LimitInfo } from '../headers/rate-limit-headers.js';

/** The outcome of rate limiting one call, given to `onBlocked` and returned by `RateLimitService`. */
export interface RateLimitInfo {
  identity: Required<Identity>;
  allowed: boolean;
  /** Seconds (whole, rounded up) until a request may be admitted; 0 when allowed. */
  retryAfter: number;
  /** True when the caller is blocked by a rule's `blockTime`. */
  blocked: boolean;
  /** Where each applied limit stands, in the order of the selected rules. */
  limits: LimitInfo[];
}
