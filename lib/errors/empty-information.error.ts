/**
 * Thrown by an auth provider that finds no identity on the request (no token, no session user).
 * With a list of providers the next one is tried; after the last, `onAuthError` decides.
 */
export class EmptyInformation extends Error {
  constructor(message = 'No identity information on the request') {
    super(message);
    this.name = 'EmptyInformation';
  }
}
