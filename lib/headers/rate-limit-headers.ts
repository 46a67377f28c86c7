/** The values of the `headers` option. */
export const HEADER_MODES = ['draft', 'legacy', 'both', 'none'] as const;

/** Which rate-limit headers responses carry. */
export type HeadersMode = (typeof HEADER_MODES)[number];

/** Where one applied limit stands after a request: what the rate-limit headers report. */
export interface LimitInfo {
  /** Policy name: `second`, `minute`, `hour`, `day`, `month`, or `<window>s` for a custom window. */
  name: string;
  /** Hits admitted per window. */
  limit: number;
  /** Window length in seconds. */
  window: number;
  /** Hits left in the window after this request. */
  remaining: number;
  /** Seconds (rounded up) until this limit gives more quota. */
  reset: number;
}

/** Sets one header on a response of some context kind (see `contexts/`). */
export type SetHeader = (response: any, name: string, value: string | number) => void;

/** Policy names made unique within one response (`minute`, `minute-2`, ...), as the draft requires. */
function uniqueNames(limits: readonly LimitInfo[]): string[] {
  const names = limits.map((limit) => limit.name);
  for (let i = 1; i < names.length; i++) {
    let n = 2;
    while (names.indexOf(names[i]) < i) names[i] = `${limits[i].name}-${n++}`;
  }
  return names;
}

/**
 * Writes the rate-limit headers of `mode` for the limits applied to a request:
 * - draft: `RateLimit-Policy: "minute";q=10;w=60` and `RateLimit: "minute";r=9;t=60`, one member
 *   per limit (draft-ietf-httpapi-ratelimit-headers-10);
 * - legacy: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (seconds from now) of
 *   the limit with the least remaining.
 */
export function writeRateLimitHeaders(
  response: any,
  setHeader: SetHeader,
  mode: HeadersMode,
  limits: readonly LimitInfo[],
): void {
  if (mode === 'none' || limits.length === 0) return;
  if (mode !== 'legacy') {
    const names = uniqueNames(limits);
    let policy = '';
    let state = '';
    for (let i = 0; i < limits.length; i++) {
      const { limit, window, remaining, reset } = limits[i];
      const separator = i === 0 ? '' : ', ';
      policy += `${separator}"${names[i]}";q=${limit};w=${window}`;
      state += `${separator}"${names[i]}";r=${remaining};t=${reset}`;
    }
    setHeader(response, 'RateLimit-Policy', policy);
    setHeader(response, 'RateLimit', state);
  }
  if (mode !== 'draft') {
    let tightest = limits[0];
    for (const limit of limits) if (limit.remaining < tightest.remaining) tightest = limit;
    setHeader(response, 'X-RateLimit-Limit', tightest.limit);
    setHeader(response, 'X-RateLimit-Remaining', tightest.remaining);
    setHeader(response, 'X-RateLimit-Reset', tightest.reset);
  }
}
