/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time.
 * As a command: `node bench/.tmp/build/bench/profile/cpu-profile.js <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the samples. */
export interface HotFunction {
  /** `name (file:line)`, the file relative to the repository when inside it. */
  location: string;
  /** Self time, ms. */
  selfMs: number;
  /** Self time / busy time of the profile (every sample but `(idle)`), percent. */
  selfPercent: number;
}

function locate(frame: ProfileNode['callFrame'], root: string): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  let file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  if (file.startsWith(root)) file = file.slice(root.length + 1);
  file = file.replace(/^bench\/\.tmp\/build\//, '');
  return `${name} (${file}:${frame.lineNumber + 1})`;
}

/** The `top` functions by self time, with V8's `(program)` and `(garbage collector)`; `(idle)` left out. */
export function hottestFunctions(file: string, root: string, top = 20): HotFunction[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (node === undefined) continue;
    const key = locate(node.callFrame, root);
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    if (key !== '(idle)') busyUs += delta;
  }
  selfUs.delete('(idle)');
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([location, us]) => ({ location, selfMs: us / 1000, selfPercent: (100 * us) / busyUs }));
}

/** Markdown table of `hottestFunctions`. */
export function hotFunctionsTable(functions: readonly HotFunction[]): string {
  const rows = functions.map((f) => `| ${f.selfPercent.toFixed(1)} % | ${f.selfMs.toFixed(0)} | \`${f.location}\` |`);
  return ['| self | ms | function |', '|---:|---:|---|', ...rows].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('Usage: node cpu-profile.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(hotFunctionsTable(hottestFunctions(file, process.cwd(), top ? Number(top) : 25)));
}
