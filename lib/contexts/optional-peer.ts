import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import type { MaybePromise } from '../utils/maybe-promise.js';

/**
 * An optional peer package (a Nest transport), imported on first use and never at module load, so
 * apps without it are unaffected: the getter returns the module once loaded, a promise of it before.
 * A failed import is an `InvalidRateLimitConfigError` naming the package to install.
 */
export function optionalPeer<T>(packageName: string, load: () => Promise<T>): () => MaybePromise<T> {
  let loaded: T | undefined;
  let loading: Promise<T> | undefined;
  return () => {
    if (loaded !== undefined) return loaded;
    loading ??= load().then(
      (module) => (loaded = module),
      (error: unknown) => {
        loading = undefined;
        throw new InvalidRateLimitConfigError(
          `Rate limiting needs the package ${packageName} here: run \`npm install ${packageName}\` ` +
            `(${error instanceof Error ? error.message : String(error)}).`,
        );
      },
    );
    return loading;
  };
}
