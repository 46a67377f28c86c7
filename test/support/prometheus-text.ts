/** One sample of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (what `/metrics` returns), comments skipped. */
export function parsePrometheusText(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = SAMPLE.exec(line);
      if (match === null) throw new Error(`Not a Prometheus sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) {
        labels[key] = value.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
      }
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** `ratelimit_requests_total` as `{ [scope]: { [decision]: count } }`, zero series included. */
export function requestCounts(
  samples: Sample[],
  name = 'ratelimit_requests_total',
): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const { name: sampleName, labels, value } of samples) {
    if (sampleName !== name) continue;
    (counts[labels.scope] ??= {})[labels.decision] = value;
  }
  return counts;
}
