import type { ExecutionContext, Type } from '@nestjs/common';

/** Who is calling: counters are kept per `user`; rules are selected by `group`. */
export interface Identity {
  user: string;
  /** Default `'default'`. */
  group?: string;
}

/**
 * Resolves the caller of a request. Throw `EmptyInformation` when the request carries no identity
 * of this kind (the next provider of a list is tried); throw anything else for a bad credential.
 */
export interface RateLimitAuth {
  authenticate(context: ExecutionContext): Identity | Promise<Identity>;
  /**
   * Called once at application bootstrap (Nest's module-init phase, every provider of the app
   * built), awaited: check the configuration and load what `authenticate` needs. An error it
   * throws stops the application from booting.
   */
  prepare?(): void | Promise<void>;
}

/** An auth function: the plain-function form of `RateLimitAuth`. */
export type AuthFunction = (context: ExecutionContext) => Identity | Promise<Identity>;

/** What the `auth` option accepts: a class built by Nest DI, an instance, or a function. */
export type AuthProvider = Type<RateLimitAuth> | RateLimitAuth | AuthFunction;
