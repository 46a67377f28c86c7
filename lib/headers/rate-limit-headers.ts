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

/**
 * What the draft headers of some applied limits say whatever the counts: built once per
 * combination of rules (with its limit plan), so a request only formats its counts.
 */
export interface DraftPolicy {
  /** The `RateLimit-Policy` value, e.g. `"minute";q=10;w=60`. */
  readonly policy: string;
  /** Per limit, what precedes its remaining count in its `RateLimit` member, e.g. `"minute";r=`. */
  readonly prefixes: readonly string[];
  /** Per limit, its prefix after the separator of a member that is not the first, e.g. `, "minute";r=`. */
  readonly separatedPrefixes?: readonly string[];
}

/** The draft policy of `limits`, policy names made unique (`minute`, `minute-2`, ...) as the draft requires. */
export function draftPolicy(limits: readonly Pick<LimitInfo, 'name' | 'limit' | 'window'>[]): DraftPolicy {
  const prefixes: string[] = [];
  let policy = '';
  for (let i = 0; i < limits.length; i++) {
    const { name, limit, window } = limits[i];
    let prefix = `"${name}";r=`;
    for (let n = 2; prefixes.includes(prefix); n++) prefix = `"${name}-${n}";r=`;
    prefixes.push(prefix);
    policy += `${i === 0 ? '' : ', '}${prefix.slice(0, -3)};q=${limit};w=${window}`;
  }
  return { policy, prefixes, separatedPrefixes: prefixes.map((prefix) => ', ' + prefix) };
}

/** Largest `reset` (seconds) whose `;t=<reset>` is kept: an hour's worth, the windows most limits use. */
const MAX_CACHED_RESET = 3600;
/** `;t=<reset>` by `reset`, filled as met: most requests format the same few values again. */
const RESET_SUFFIXES: string[] = new Array(MAX_CACHED_RESET + 1);

/** The `;t=<reset>` end of a `RateLimit` member, without a new string for a reset met before. */
function resetSuffix(reset: number): string {
  let suffix = RESET_SUFFIXES[reset];
  if (suffix === undefined) {
    suffix = ';t=' + reset;
    if (Number.isInteger(reset) && reset >= 0 && reset <= MAX_CACHED_RESET) RESET_SUFFIXES[reset] = suffix;
  }
  return suffix;
}

/**
 * Writes the rate-limit headers of `mode` for the limits applied to a request:
 * - draft: `RateLimit-Policy: "minute";q=10;w=60` and `RateLimit: "minute";r=9;t=60`, one member
 *   per limit (draft-ietf-httpapi-ratelimit-headers-10); `policy` is `draftPolicy(limits)`, given
 *   when it is already known;
 * - legacy: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (seconds from now) of
 *   the limit with the least remaining.
 * A limit the storage did not read (`unknown`, during a block in another scope) is in the policy only.
 */
export function writeRateLimitHeaders(
  response: any,
  setHeader: SetHeader,
  mode: HeadersMode,
  limits: readonly LimitInfo[],
  policy?: DraftPolicy,
): void {
  if (mode === 'none' || limits.length === 0) return;
  if (mode !== 'legacy') {
    const { prefixes, separatedPrefixes, policy: value } = policy ?? draftPolicy(limits);
    let state = '';
    for (let i = 0; i < limits.length; i++) {
      const limit = limits[i];
      if (limit.unknown) continue;
      const prefix = state === '' ? prefixes[i] : (separatedPrefixes?.[i] ?? ', ' + prefixes[i]);
      state += prefix + limit.remaining + resetSuffix(limit.reset);
    }
    setHeader(response, 'RateLimit-Policy', value);
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
