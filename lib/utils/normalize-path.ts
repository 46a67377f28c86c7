/** Anything that makes a path spelling differ from its normal form. */
const NEEDS_WORK = /%|\/\/|\/\.|\/$|[?#]/;

/** Decodes `%XX` once; malformed UTF-8 sequences decode byte by byte where ASCII, else stay. */
function decodeOnce(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path.replace(/%([0-7][0-9a-fA-F])/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/**
 * The path of a request URL in the one spelling that config patterns are matched against: no query
 * or fragment, percent-decoded once (as routers decode), repeated slashes collapsed, `.` and `..`
 * segments resolved, no trailing slash. Letter case is handled by matching patterns case-insensitively.
 * Absolute-form targets (`GET http://host/path`) are reduced to their path.
 */
export function normalizePath(url: string): string {
  let path = url;
  if (path.charCodeAt(0) !== 47 /* '/' */) {
    try {
      path = new URL(path).pathname;
    } catch {
      path = `/${path}`;
    }
  }
  if (!NEEDS_WORK.test(path) || path === '/') return path;
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  if (path.includes('%')) path = decodeOnce(path);
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}
