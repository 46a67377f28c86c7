import { Inject, Injectable, type ExecutionContext, type OnModuleInit } from '@nestjs/common';
import { EmptyInformation } from '../errors/empty-information.error.js';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import { andThen, type MaybePromise } from '../utils/maybe-promise.js';
import { checkIdentity, type ResolvedIdentity } from './identity.js';
import type { AuthFunction, Identity, RateLimitAuth } from './rate-limit-auth.interface.js';

/**
 * Resolves the identity of a call with the module's auth providers. `namespaces` lists the tags an
 * auth list of several providers gives its identities (`RateLimitService.reset` clears each).
 */
export type IdentifyFunction = ((context: ExecutionContext) => MaybePromise<ResolvedIdentity>) & {
  namespaces?: readonly string[];
};

/** Injection token of the module's auth providers as built from the `auth` option (internal). */
export const RATE_LIMIT_AUTH_PROVIDERS = Symbol('RATE_LIMIT_AUTH_PROVIDERS');

const SOURCE = 'An auth provider';

/**
 * The auth chain: `providers` (instances or functions, as built from the `auth` option) tried in
 * order, `EmptyInformation` moving on to the next; each identity checked by `checkIdentity`. One
 * provider answers synchronously when it does, with the identity as it is; in a list of several,
 * each identity gets the `namespace` of the provider that found it (its index), so that identities
 * from different providers never share counters.
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
    const check = (identity: Identity | undefined) => checkIdentity(identity, SOURCE); // one closure, not one per call
    return (context) => andThen(only(context), check);
  }
  const namespaces = steps.map((_, index) => String(index));
  const identify: IdentifyFunction = async (context) => {
    let lastEmpty: unknown;
    for (let index = 0; index < steps.length; index++) {
      try {
        const identity: ResolvedIdentity = checkIdentity(await steps[index](context), SOURCE);
        identity.namespace = namespaces[index];
        return identity;
      } catch (error) {
        if (!(error instanceof EmptyInformation)) throw error;
        lastEmpty = error;
      }
    }
    throw lastEmpty;
  };
  identify.namespaces = namespaces;
  return identify;
}

/** Runs every auth provider's `prepare()` at bootstrap, once all of the app's providers exist. */
@Injectable()
export class AuthPreparer implements OnModuleInit {
  constructor(
    @Inject(RATE_LIMIT_AUTH_PROVIDERS) private readonly providers: readonly (RateLimitAuth | AuthFunction)[],
  ) {}

  async onModuleInit(): Promise<void> {
    for (const provider of this.providers) {
      if (typeof provider !== 'function') await provider.prepare?.();
    }
  }
}
