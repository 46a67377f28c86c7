import type { ExecutionContext } from '@nestjs/common';
import { EmptyInformation } from '../errors/empty-information.error.js';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import { andThen, type MaybePromise } from '../utils/maybe-promise.js';
import { checkIdentity } from './identity.js';
import type { AuthFunction, Identity, RateLimitAuth } from './rate-limit-auth.interface.js';

/** Resolves the identity of a call with the module's auth providers. */
export type IdentifyFunction = (context: ExecutionContext) => MaybePromise<Required<Identity>>;

const SOURCE = 'An auth provider';

/**
 * The auth chain: `providers` (instances or functions, as built from the `auth` option) tried in
 * order, `EmptyInformation` moving on to the next; each identity checked by `checkIdentity`. One
 * provider answers synchronously when it does.
 */
export function createIdentify(providers: readonly (RateLimitAuth | AuthFunction)[]): IdentifyFunction {
  if (providers.length === 0) {
    throw new InvalidRateLimitConfigError(
      'Invalid RateLimitModule option "auth": the list is empty; give at least one provider.',
    );
  }
  const steps = providers.map((provider, index): AuthFunction => {
    if (typeof provider === 'function') return provider;
    if (typeof provider?.authenticate !== 'function') {
      throw new InvalidRateLimitConfigError(
        `Invalid RateLimitModule option "auth" (entry ${index}): expected a RateLimitAuth class or instance with authenticate(context), or a function.`,
      );
    }
    return (context) => provider.authenticate(context);
  });
  if (steps.length === 1) {
    const [only] = steps;
    return (context) => andThen(only(context), (identity) => checkIdentity(identity, SOURCE));
  }
  return async (context) => {
    let lastEmpty: unknown;
    for (const step of steps) {
      try {
        return checkIdentity(await step(context), SOURCE);
      } catch (error) {
        if (!(error instanceof EmptyInformation)) throw error;
        lastEmpty = error;
      }
    }
    throw lastEmpty;
  };
}
