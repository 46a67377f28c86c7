import { literalPath, normalizePath, requestPaths } from '../../../lib/utils/index.js';

describe('normalizePath', () => {
  it.each([
    ['/', '/'],
    ['/second_limit', '/second_limit'],
    ['/Second_Limit', '/Second_Limit'], // case is left to the case-insensitive patterns
    ['/second_limit/', '/second_limit'],
    ['//second_limit', '/second_limit'],
    ['/a//b///c//', '/a/b/c'],
    ['/second_limit?x=1', '/second_limit'],
    ['/second_limit/?x=/a/../b', '/second_limit'],
    ['/second_limit#frag', '/second_limit'],
    ['/?x', '/'],
    ['/exact;x=1', '/exact'], // Fastify's useSemicolonDelimiter
    ['/exact/;x=1/y', '/exact'],
    ['/./second_limit', '/second_limit'],
    ['/x/../second_limit', '/second_limit'],
    ['/../../second_limit', '/second_limit'],
    ['/a/b/..', '/a'],
    ['/%73econd_limit', '/second_limit'],
    ['/%2e%2E/second_limit', '/second_limit'],
    ['/x/%2e%2e/second_limit', '/second_limit'],
    ['/a%2Fb', '/a/b'],
    ['/%2573', '/%73'], // decoded once, as routers decode
    ['/%E2%82%AC', '/€'],
    ['/%ZZ', '/%ZZ'],
    ['/%73%E2%82', '/s%E2%82'], // malformed UTF-8: ASCII escapes still decoded
    ['http://localhost/second_limit', '/second_limit'],
    ['HTTP://LOCALHOST:8080/x/../second_limit?q', '/second_limit'],
    ['https://h', '/'],
    ['*', '/*'],
    ['/api\\admin#', '/api/admin'], // Express: legacy url.parse reads \ as /
    ['/api\\admin\\users?x=\\', '/api/admin/users'],
    ['http://x/api\\admin\\users', '/api/admin/users'],
    ['http://x\\api\\admin', '/api/admin'], // the backslash ends the authority too
    ['http:\\\\x\\api', '/api'],
    ['/api\\..\\login', '/login'],
    ['/api%5Cadmin', '/api\\admin'], // an encoded backslash is a literal one, as routers decode it
    ['/%E2%84%AAeys', '/\u212Aeys'], // the Kelvin sign: lowercased by requestPaths, not here
  ])('%s -> %s', (url, expected) => {
    expect(normalizePath(url)).toBe(expected);
  });
});

describe('literalPath (as routers match: dot segments and %2F kept)', () => {
  it.each([
    ['/second_limit', '/second_limit'],
    ['/second_limit/', '/second_limit'],
    ['//a//b/', '/a/b'],
    ['/a?x=1', '/a'],
    ['/files/a;b', '/files/a;b'],
    ['/%73econd_limit', '/second_limit'],
    ['/x/../second_limit', '/x/../second_limit'],
    ['/./a', '/./a'],
    ['/towns/a%2F..%2Fx', '/towns/a%2F..%2Fx'],
    ['/files/a%2fb', '/files/a%2Fb'],
    ['/%2e%2e/a', '/../a'],
    ['http://localhost/x/../y', '/x/../y'],
    ['/api\\admin', '/api\\admin'], // routed literally when the target has no # (parseurl's fast path)
  ])('%s -> %s', (url, expected) => {
    expect(literalPath(url)).toBe(expected);
  });

  it('is the same string as normalizePath for URLs without dot segments or encoded slashes', () => {
    for (const url of ['/a', '/a/', '//a', '/%73?x', 'http://h/a']) expect(literalPath(url)).toBe(normalizePath(url));
  });
});

describe('requestPaths', () => {
  it.each<[{ url?: string; originalUrl?: string }, string[]]>([
    [{ url: '/a', originalUrl: '/a' }, ['/a']],
    [{ url: '/a/?q' }, ['/a']],
    [{ url: '/exact', originalUrl: '/v1/exact' }, ['/v1/exact', '/exact']], // Fastify rewriteUrl
    [{ url: '/x/../a', originalUrl: '/x/../a' }, ['/a', '/x/../a']],
    [{ url: '/f/a%2Fb' }, ['/f/a/b', '/f/a%2Fb']],
    [{ url: '/api\\admin#' }, ['/api/admin', '/api\\admin']],
    [{ url: '/%E2%84%AAeys' }, ['/\u212Aeys', '/keys']], // Fastify caseSensitive: false lowercases (K -> k)
    [{ url: '/\u00C9t\u00E9' }, ['/\u00C9t\u00E9', '/\u00E9t\u00E9']],
  ])('%j -> %j', (request, expected) => {
    expect(requestPaths(request)).toEqual(expected);
  });
});
