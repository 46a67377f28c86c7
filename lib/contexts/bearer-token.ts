/**
 * A token sent outside the `Authorization` header (socket.io's `handshake.auth.token`, graphql-ws's
 * `connectionParams.authorization`: browsers cannot set headers on a WebSocket) as that header's
 * value, `Bearer <token>`; `undefined` when it is not a non-empty string.
 */
export function asBearerHeader(token: unknown): string | undefined {
  if (typeof token !== 'string' || token === '') return undefined;
  return /^bearer\s/i.test(token) ? token : `Bearer ${token}`;
}

/** `request` seen with `authorization` as its Authorization header, unless it has one or there is no token. */
export function withAuthorization(request: any, authorization: string | undefined): any {
  if (authorization === undefined || request.headers?.authorization !== undefined) return request;
  return Object.create(request, { headers: { value: { ...request.headers, authorization } } });
}
