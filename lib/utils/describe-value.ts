/**
 * A configuration value as an error message shows it: `NaN`, `the string "3"`, `undefined`, else
 * its JSON (`JSON.stringify` alone shows NaN as `null` and a string like a number).
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** The hint for a value that should be a number: how it usually happens and the fix. */
export function numberHint(value: unknown): string {
  if (typeof value === 'string')
    return ' Values from the environment or ConfigService are strings: convert with Number(...).';
  if (Number.isNaN(value))
    return ' Number(...) of a missing or non-numeric value gives NaN: check the value you convert.';
  if (value === null) return ' Give a number, e.g. Number(config.getOrThrow(...)).';
  return '';
}
