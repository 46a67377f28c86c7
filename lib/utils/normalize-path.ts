/** Anything that makes a path spelling differ from its normal form. */
const NEEDS_WORK = /%|\/\/|\/\.|\/$|[?#;\\]|[\u0080-\uffff]/;
/** A character outside ASCII: the spelling lowercased by a router may then match other patterns. */
const NON_ASCII = /[\u0080-\uffff]/;
/** Scheme and authority of an absolute-form request target (`GET http://host/path`). */
const ORIGIN = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i;

/** Decodes `%XX` once; malformed UTF-8 sequences decode byte by byte where ASCII, else stay. */
function decodeOnce(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path.replace(/%([0-7][0-9a-fA-F])/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** The path of a request target: without scheme and authority (absolute form), query or fragment. */
function targetPath(url: string): string {
  let path = url;
  if (path.charCodeAt(0) !== 47 /* '/' */) {
    const origin = ORIGIN.exec(path);
    if (origin !== null) path = path.slice(origin[0].length);
    if (path.charCodeAt(0) !== 47) path = `/${path}`;
  }
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

/** True when `url` is already a plain path in normal form (the common case: no work at all). */
const isPlain = (url: string): boolean => url.charCodeAt(0) === 47 && (url === '/' || !NEEDS_WORK.test(url));

/**
 * The path of a request URL in the one spelling that config patterns are matched against: no query,
 * fragment or `;` parameters, `\` read as `/` (as Node's legacy `url.parse` reads it, which Express
 * uses for targets with `#` or in absolute form), percent-decoded once (as routers decode),
 * repeated slashes collapsed, `.` and `..` segments resolved, no trailing slash. Letter case is
 * handled by matching patterns case-insensitively. Absolute-form targets (`GET http://host/path`)
 * are reduced to their path.
 */
export function normalizePath(url: string): string {
  if (isPlain(url)) return url;
  let path = targetPath(url.includes('\\') ? url.replace(/\\/g, '/') : url);
  const semicolon = path.indexOf(';'); // Fastify's useSemicolonDelimiter routes `/a;x=1` as `/a`
  if (semicolon !== -1) path = path.slice(0, semicolon);
  if (path.includes('%')) path = decodeOnce(path);
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/**
 * The path of a request URL as routers match it: like `normalizePath`, but `.` and `..` segments
 * and `;` parameters stay, and an encoded slash (`%2F`) stays encoded, because Express and Fastify route them literally
 * (`/files/..%2Fx` reaches the `files/:name` handler). Config patterns are matched against both
 * spellings, so neither dot segments nor encoded slashes can move a request out of a pattern.
 */
export function literalPath(url: string): string {
  if (isPlain(url)) return url;
  let path = targetPath(url);
  if (path.includes('%')) path = decodeOnce(path.replace(/%2f/gi, '%252F'));
  const segments = path.split('/').filter((segment) => segment !== '');
  return `/${segments.join('/')}`;
}

/**
 * Every spelling of a request's path that config patterns are matched against, usually just one:
 * `normalizePath` and `literalPath` of the URL that was routed (`request.url`; Fastify's `rewriteUrl`
 * changes it) and of the URL that was sent (`request.originalUrl`; Express mounts strip `url`), and
 * of a path with non-ASCII characters also its `toLowerCase()` (Fastify's `caseSensitive: false`
 * routes `/\u212Aeys`, with the Kelvin sign, to `/keys`; case-insensitive regexes do not fold it).
 */
export function requestPaths(request: { url?: unknown; originalUrl?: unknown }): string[] {
  const { url, originalUrl } = request;
  if (typeof url === 'string' && (originalUrl === url || originalUrl === undefined) && isPlain(url)) return [url];
  const paths: string[] = [];
  const add = (url: unknown) => {
    if (typeof url !== 'string') return;
    for (const path of [normalizePath(url), literalPath(url)]) {
      if (!paths.includes(path)) paths.push(path);
      const lower = NON_ASCII.test(path) ? path.toLowerCase() : path;
      if (!paths.includes(lower)) paths.push(lower);
    }
  };
  add(request.originalUrl);
  if (request.url !== request.originalUrl) add(request.url);
  return paths;
}
