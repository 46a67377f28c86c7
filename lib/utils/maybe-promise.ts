/** A value, or a promise of it: what auth providers and storages may answer. */
export type MaybePromise<T> = T | Promise<T>;

/** True for a promise (any thenable). */
export const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/**
 * Applies `next` to `value` now, or once it resolves when it is a promise: the synchronous path
 * (MemoryStorage, ClientIpAuth) then costs no promise and no microtask per request.
 */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(next) : next(value);
}
