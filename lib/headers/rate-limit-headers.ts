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
  /**
   * True when the storage did not read this limit (the identity is blocked in another scope):
   * `remaining` and `reset` mean nothing, and the `RateLimit` and legacy headers leave it out.
   */
  unknown?: boolean;
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
 * A limit the storage did not read (`unknown`, during a block in another scope) is in the policy only.
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
      const { limit, window, remaining, reset, unknown } = limits[i];
      policy += `${i === 0 ? '' : ', '}"${names[i]}";q=${limit};w=${window}`;
      if (!unknown) state += `${state === '' ? '' : ', '}"${names[i]}";r=${remaining};t=${reset}`;
    }
    setHeader(response, 'RateLimit-Policy', policy);
    if (state !== '') setHeader(response, 'RateLimit', state);
  }
  if (mode !== 'draft') {
    let tightest: LimitInfo | undefined;
    for (const limit of limits) {
      if (!limit.unknown && (tightest === undefined || limit.remaining < tightest.remaining)) tightest = limit;
    }
    if (tightest === undefined) return;
    setHeader(response, 'X-RateLimit-Limit', tightest.limit);
    setHeader(response, 'X-RateLimit-Remaining', tightest.remaining);
    setHeader(response, 'X-RateLimit-Reset', tightest.reset);
  }
}
