/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): where the busy time went by area
 * (lib/, NestJS, the HTTP framework, Node internals, GC), the functions with the most self time,
 * and the lib/ functions with the most inclusive time.
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
  samples: number[];
  timeDeltas: number[];
}

/** One function's (or area's) share of the busy samples. */
export interface HotFunction {
  /** `name (file:line)`, the file relative to the repository (compiled lib/ files shown as lib/*.js). */
  location: string;
  ms: number;
  /** Share of the busy time (every sample but `(idle)`), percent. */
  percent: number;
}

/** A profile's time split three ways. */
export interface ProfileSummary {
  busyMs: number;
  areas: HotFunction[];
  self: HotFunction[];
  /** Functions of lib/ by inclusive time (their own time plus everything they call). */
  libInclusive: HotFunction[];
}

const AREAS: [string, RegExp][] = [
  ['nestjs-ratelimit (lib/)', /^(bench\/\.tmp\/build\/)?lib\//],
  ['benchmark app (bench/)', /^(bench\/\.tmp\/build\/)?bench\//],
  ['@nestjs/*', /node_modules\/@nestjs\//],
  ['@nest-lab/*', /node_modules\/@nest-lab\//],
  ['ioredis', /node_modules\/(ioredis|@ioredis|redis-parser|denque|standard-as-callback)\//],
  ['fastify', /node_modules\/(fastify|@fastify|find-my-way|light-my-request|avvio|fast-json-stringify)/],
  ['express', /node_modules\/(express|router|body-parser|finalhandler|send|path-to-regexp|qs|on-finished)/],
  ['other node_modules', /node_modules\//],
  ['Node internals', /^node:/],
];

function fileOf(frame: ProfileNode['callFrame'], root: string): string {
  let file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  if (file.startsWith(root)) file = file.slice(root.length + 1);
  return file;
}

function locate(frame: ProfileNode['callFrame'], root: string): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = fileOf(frame, root).replace(/^bench\/\.tmp\/build\//, '');
  return `${name} (${file}:${frame.lineNumber + 1})`;
}

function areaOf(frame: ProfileNode['callFrame'], root: string): string {
  if (!frame.url) return frame.functionName.startsWith('(') ? frame.functionName : 'V8 builtins / native';
  const file = fileOf(frame, root);
  return AREAS.find(([, pattern]) => pattern.test(file))?.[0] ?? 'other';
}

function ranked(totals: Map<string, number>, busyUs: number, top: number): HotFunction[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([location, us]) => ({ location, ms: us / 1000, percent: (100 * us) / busyUs }));
}

const add = (totals: Map<string, number>, key: string, us: number) => totals.set(key, (totals.get(key) ?? 0) + us);

export function summarizeProfile(file: string, root: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const libInclusive = new Map<string, number>();
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    busyUs += delta;
    add(self, locate(node.callFrame, root), delta);
    add(areas, areaOf(node.callFrame, root), delta);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!/^(bench\/\.tmp\/build\/)?lib\//.test(fileOf(frame, root))) continue;
      const key = locate(frame, root);
      if (!seen.has(key)) add(libInclusive, key, delta);
      seen.add(key);
    }
  }
  return {
    busyMs: busyUs / 1000,
    areas: ranked(areas, busyUs, AREAS.length + 4),
    self: ranked(self, busyUs, top),
    libInclusive: ranked(libInclusive, busyUs, top),
  };
}

function table(heading: string, rows: readonly HotFunction[]): string {
  const lines = rows.map((row) => `| ${row.percent.toFixed(1)} % | ${row.ms.toFixed(0)} | \`${row.location}\` |`);
  return [`| ${heading} | ms | where |`, '|---:|---:|---|', ...lines].join('\n');
}

/** Markdown of a `ProfileSummary`. */
export function profileMarkdown(summary: ProfileSummary): string {
  return [
    `Busy time ${summary.busyMs.toFixed(0)} ms. By area (self time):`,
    '',
    table('share', summary.areas),
    '',
    'Top functions by self time:',
    '',
    table('self', summary.self),
    '',
    'lib/ functions by inclusive time:',
    '',
    table('inclusive', summary.libInclusive),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('Usage: node cpu-profile.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(profileMarkdown(summarizeProfile(file, process.cwd(), top ? Number(top) : 25)));
}
