import { EmptyInformation } from '../errors/empty-information.error.js';

/** The message of a default auth failure, naming the cause; the same for every context kind. */
export function authFailureMessage(error: unknown): string {
  const cause = error instanceof Error ? error.message : String(error);
  const reason = error instanceof EmptyInformation ? 'no identity' : 'invalid credentials';
  return `Rate limiting could not identify the caller (${reason}): ${cause}`;
}
