/** Seconds in each named period. */
export const PERIODS = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  month: 31 * 86400,
} as const;

/** Names of the named periods, shortest first. */
export type PeriodName = keyof typeof PERIODS;
