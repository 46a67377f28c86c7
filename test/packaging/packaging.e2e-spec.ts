/**
 * The package as a user gets it: `npm run build`, `npm pack`, then the tarball installed into throwaway
 * apps (plain JavaScript, no TypeScript) that boot NestJS and are called over HTTP:
 * - a CommonJS app (`require`) on NestJS 11,
 * - an ESM app (`import`) on NestJS 12 (ESM only),
 * - a CommonJS app on NestJS 12 (Node's require(esm)).
 * Optional peers (ioredis, redis, iovalkey, @nestjs/jwt, prom-client, @nestjs/terminus) are not installed in any of them.
 * Two more apps (ESM and CommonJS, NestJS 12, with the three Redis clients, @nestjs/jwt, @nestjs/config,
 * @nestjs/terminus and prom-client) type-check
 * every TypeScript block of README.md and of each sample README (see readme-snippets.ts).
 * Needs the npm registry (or a warm npm cache); takes one to two minutes (build, pack, then five
 * installs and five `tsc` runs in parallel).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { readmeSnippets, snippetSource, type Snippet } from './readme-snippets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = 'nestjs-ratelimit';

type ModuleKind = 'cjs' | 'esm';
interface AppSpec {
  name: string;
  kind: ModuleKind;
  nest: 11 | 12;
  /** TypeScript user files compiled against the installed package. */
  typesChecks: TypesCheck[];
}

/**
 * A user file and how it is compiled: `.cts` under nodenext takes the "require" types, `.mts` the
 * "import" types; `node10` resolution (older `module: commonjs` projects) ignores "exports" and reads
 * the top-level "types" field.
 */
interface TypesCheck {
  file: 'check.cts' | 'check.mts' | 'check.ts';
  resolution: 'nodenext' | 'node10';
}

const APPS: AppSpec[] = [
  {
    name: 'cjs-nest11',
    kind: 'cjs',
    nest: 11,
    typesChecks: [
      { file: 'check.cts', resolution: 'nodenext' },
      { file: 'check.ts', resolution: 'node10' },
    ],
  },
  { name: 'esm-nest12', kind: 'esm', nest: 12, typesChecks: [{ file: 'check.mts', resolution: 'nodenext' }] },
  { name: 'cjs-nest12', kind: 'cjs', nest: 12, typesChecks: [] },
];

/** What each app prints once it listens. */
interface Booted {
  port: number;
  /** The file `require.resolve` / `import.meta.resolve` picks for the package. */
  resolved: string;
  /** The package's files in the CommonJS module cache (ESM files never appear there). */
  loadedCjs: string[];
}

/** npm variables of the `npm test` run that would point a nested npm at this repository. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(key) || key === 'INIT_CWD') delete env[key];
  }
  return env;
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: childEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

/** The app's source: one rate-limited route, decorators applied by hand (plain JS has no `@`). */
function appSource(kind: ModuleKind): string {
  const head =
    kind === 'cjs'
      ? `'use strict';
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { RateLimit, RateLimitModule } = require('${PACKAGE}');
const path = require('node:path');
const resolved = require.resolve('${PACKAGE}');
`
      : `import 'reflect-metadata';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RateLimit, RateLimitModule } from '${PACKAGE}';
const require = createRequire(import.meta.url);
const resolved = fileURLToPath(import.meta.resolve('${PACKAGE}'));
`;
  return `${head}
class PingController {
  ping() {
    return { ok: true };
  }
}
const ping = Object.getOwnPropertyDescriptor(PingController.prototype, 'ping');
Get('ping')(PingController.prototype, 'ping', ping);
RateLimit({ minute: 1 })(PingController.prototype, 'ping', ping);
Controller()(PingController);

class AppModule {}
Module({ imports: [RateLimitModule.forRoot({ headers: 'both' })], controllers: [PingController] })(AppModule);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const port = app.getHttpServer().address().port;
  const loadedCjs = Object.keys(require.cache).filter((file) => file.includes(path.join('node_modules', '${PACKAGE}', path.sep)));
  console.log(JSON.stringify({ port, resolved, loadedCjs }));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;
}

/** Uses the public types: `@ts-expect-error` fails the compile if they resolved to `any`. */
const TYPES_CHECK = `import type { DynamicModule } from '@nestjs/common';
import { RateLimitModule, type Rule } from '${PACKAGE}';

export const rule: Rule = { minute: 10, group: 'admin' };
export const root: DynamicModule = RateLimitModule.forRoot({ headers: 'legacy' });
// @ts-expect-error 'sometimes' is not a headers mode
RateLimitModule.forRoot({ headers: 'sometimes' });
`;

/** A consumer app's package.json: NestJS `nest` with Express, the packed tarball, and `extra` dependencies. */
function writeManifest(dir: string, name: string, kind: ModuleKind, nest: number, tarball: string, extra = {}): void {
  mkdirSync(dir);
  const range = `^${nest}.0.0`;
  const manifest = {
    name: `app-${name}`,
    private: true,
    type: kind === 'cjs' ? 'commonjs' : 'module',
    dependencies: {
      '@nestjs/common': range,
      '@nestjs/core': range,
      '@nestjs/platform-express': range,
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
      [PACKAGE]: `file:${tarball}`,
      ...extra,
    },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
}

/**
 * As `nest new` sets it up (strict, skipLibCheck, decorators), with @types/node borrowed from this
 * repository: the apps install runtime packages only.
 */
function compilerOptions(resolution: TypesCheck['resolution']) {
  return {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: 'es2022',
    module: resolution === 'node10' ? 'commonjs' : 'nodenext',
    moduleResolution: resolution,
    esModuleInterop: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    types: ['node'],
  };
}

function writeApp(dir: string, spec: AppSpec, tarball: string): void {
  writeManifest(dir, spec.name, spec.kind, spec.nest, tarball);
  writeFileSync(join(dir, 'main.js'), appSource(spec.kind));
  for (const check of spec.typesChecks) {
    writeFileSync(join(dir, check.file), TYPES_CHECK);
    const options = { compilerOptions: compilerOptions(check.resolution), files: [check.file] };
    writeFileSync(join(dir, `tsconfig.${check.file}.json`), JSON.stringify(options));
  }
}

/** The apps that type-check the README snippets (NestJS 12, with the optional peers the snippets use). */
const README_APPS: { name: string; kind: ModuleKind }[] = [
  { name: 'readme-esm', kind: 'esm' },
  { name: 'readme-cjs', kind: 'cjs' },
];
const README_DEPENDENCIES = {
  ioredis: '^6.0.0',
  redis: '^6.3.0',
  iovalkey: '^0.4.0',
  '@nestjs/jwt': '^12.0.0',
  '@nestjs/config': '^12.0.0',
  '@nestjs/terminus': '^12.0.0',
  'prom-client': '^15.0.0',
};

/** A fragment that must NOT compile: proves a wrong snippet fails the check. */
const WRONG_SNIPPET: Snippet = {
  origin: 'canary:1',
  code: "RateLimitModule.forRoot({ headers: 'sometimes', config: { '^/a': [{ minute: '5' }] } });",
  complete: false,
};

/** Where each snippet's code starts in its generated file, by file name. */
const snippetFiles = new Map<string, { snippet: Snippet; firstLine: number }>();

function writeReadmeApp(dir: string, name: string, kind: ModuleKind, tarball: string): void {
  writeManifest(dir, name, kind, 12, tarball, README_DEPENDENCIES);
  const files: string[] = [];
  [...readmeSnippets(ROOT), WRONG_SNIPPET].forEach((snippet, index) => {
    const file = `snippet-${String(index).padStart(2, '0')}.ts`;
    const { source, firstLine } = snippetSource(snippet);
    writeFileSync(join(dir, file), source);
    snippetFiles.set(file, { snippet, firstLine });
    files.push(file);
  });
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: compilerOptions('nodenext'), files }));
}

/** tsc's errors, each as `<markdown file>:<line>: <message>` (the line in the markdown). */
function snippetErrors(output: string): string[] {
  return output
    .split('\n')
    .map((line) => /^(snippet-\d+\.ts)\((\d+),\d+\): (error .*)$/.exec(line.trim()))
    .filter((match) => match !== null)
    .map(([, file, line, message]) => {
      const { snippet, firstLine } = snippetFiles.get(file)!;
      const [markdown, start] = snippet.origin.split(':');
      const offset = Number(line) - firstLine;
      return offset < 0
        ? `${snippet.origin} (prelude line ${line}): ${message}`
        : `${markdown}:${Number(start) + offset}: ${message}`;
    });
}

/** `tsc` over each README app's snippets; resolves to its output (tsc exits 2 on type errors). */
const readmeChecks = new Map<string, Promise<string>>();

function startReadmeCheck(name: string): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const output = new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      [tsc, '-p', 'tsconfig.json', '--pretty', 'false'],
      { cwd: join(work, name) },
      (_error, stdout, stderr) => resolve(`${stdout}${stderr}`),
    );
  });
  readmeChecks.set(name, output);
}

/** Starts `node main.js` and waits for the line it prints once listening. */
function boot(dir: string): Promise<{ child: ChildProcess; booted: Booted }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['main.js'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const line = stdout.split('\n').find((candidate, i, lines) => i < lines.length - 1 && candidate.startsWith('{'));
      if (line) resolve({ child, booted: JSON.parse(line) as Booted });
    });
    child.on('exit', (code) => reject(new Error(`app in ${dir} exited with ${code}:\n${stdout}\n${stderr}`)));
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const posix = (file: string) => file.split('\\').join('/');

let work: string;
let packedFiles: string[];
/** `tsc --listFiles` output per app and user file, started as soon as the apps are installed. */
const typeChecks = new Map<string, Promise<string>>();

function startTypeChecks(spec: AppSpec): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const check of spec.typesChecks) {
    const listed = run(
      process.execPath,
      [tsc, '-p', `tsconfig.${check.file}.json`, '--listFiles'],
      join(work, spec.name),
    );
    listed.catch(() => undefined); // reported by the test that awaits it
    typeChecks.set(`${spec.name}/${check.file}`, listed);
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), `${PACKAGE}-packaging-`));
  await run('npm', ['run', 'build'], ROOT);
  const [packed] = JSON.parse(
    await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT),
  ) as {
    filename: string;
    files: { path: string }[];
  }[];
  packedFiles = packed.files.map((file) => file.path);
  const tarball = join(work, packed.filename);
  await Promise.all([
    ...APPS.map((spec) => {
      const dir = join(work, spec.name);
      writeApp(dir, spec, tarball);
      return run('npm', NPM_INSTALL, dir).then(() => startTypeChecks(spec));
    }),
    ...README_APPS.map(({ name, kind }) => {
      const dir = join(work, name);
      writeReadmeApp(dir, name, kind, tarball);
      return run('npm', NPM_INSTALL, dir).then(() => startReadmeCheck(name));
    }),
  ]);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('ships only the two builds, package.json and the docs', () => {
    const unexpected = packedFiles.filter(
      (file) => !/^(package\.json|README\.md|LICENSE(\.\w+)?|dist\/(esm|cjs)\/.+)$/.test(file),
    );
    expect(unexpected).toEqual([]);
    expect(packedFiles.filter((file) => /\.(e2e-)?spec\.|(^|\/)tests?\/|\.tsbuildinfo$/.test(file))).toEqual([]);
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/esm/index.js',
        'dist/esm/index.d.ts',
        'dist/cjs/index.js',
        'dist/cjs/index.d.ts',
        'dist/cjs/package.json',
      ]),
    );
    if (existsSync(join(ROOT, 'README.md'))) expect(packedFiles).toContain('README.md');
  });

  it('declares no runtime dependencies, only peers', () => {
    const manifest = JSON.parse(
      readFileSync(join(work, APPS[0].name, 'node_modules', PACKAGE, 'package.json'), 'utf8'),
    );
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(Object.keys(manifest.peerDependencies)).toEqual(
      expect.arrayContaining(['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs']),
    );
  });

  it('has source maps that carry their sources (lib/ is not shipped)', () => {
    const dir = join(work, APPS[0].name, 'node_modules', PACKAGE);
    const maps = packedFiles.filter((file) => file.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(0);
    const withoutSources = maps.filter((file) => {
      const map = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { sourcesContent?: unknown[] };
      return !map.sourcesContent?.every((content) => typeof content === 'string');
    });
    expect(withoutSources).toEqual([]);
  });
});

describe.each(APPS)('a $kind app on NestJS $nest ($name)', (spec) => {
  let dir: string;
  let child: ChildProcess | undefined;
  let booted: Booted;

  beforeAll(async () => {
    dir = join(work, spec.name);
    ({ child, booted } = await boot(dir));
  }, 60_000);

  afterAll(() => stop(child));

  it(`runs on NestJS ${spec.nest} without the optional peers ioredis, redis, iovalkey and @nestjs/jwt`, () => {
    const version = (name: string) =>
      JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version as string;
    expect(version('@nestjs/common')).toMatch(new RegExp(`^${spec.nest}\\.`));
    expect(version('@nestjs/core')).toMatch(new RegExp(`^${spec.nest}\\.`));
    for (const peer of ['ioredis', 'redis', 'iovalkey', '@nestjs/jwt'])
      expect({ peer, installed: existsSync(join(dir, 'node_modules', peer)) }).toEqual({ peer, installed: false });
  });

  it(`loads only dist/${spec.kind}`, () => {
    const other = spec.kind === 'cjs' ? 'esm' : 'cjs';
    expect(posix(booted.resolved)).toMatch(new RegExp(`/node_modules/${PACKAGE}/dist/${spec.kind}/index\\.js$`));
    expect(booted.loadedCjs.filter((file) => posix(file).includes(`/dist/${other}/`))).toEqual([]);
    if (spec.kind === 'cjs') expect(booted.loadedCjs.length).toBeGreaterThan(1);
    else expect(booted.loadedCjs).toEqual([]);
  });

  it('answers 200, then 429 with Retry-After and rate-limit headers', async () => {
    const server = request(`http://127.0.0.1:${booted.port}`);
    const admitted = await server.get('/ping');
    expect(admitted.status).toBe(200);
    expect(admitted.body).toEqual({ ok: true });
    expect(admitted.headers['ratelimit-policy']).toBe('"minute";q=1;w=60');
    expect(admitted.headers['ratelimit']).toMatch(/^"minute";r=0;t=\d+$/);
    expect(admitted.headers['x-ratelimit-limit']).toBe('1');
    expect(admitted.headers['x-ratelimit-remaining']).toBe('0');

    const rejected = await server.get('/ping');
    expect(rejected.status).toBe(429);
    expect(rejected.body).toMatchObject({ statusCode: 429, message: 'Too Many Requests' });
    expect(Number(rejected.headers['retry-after'])).toBeGreaterThan(0);
    expect(rejected.headers['ratelimit']).toMatch(/^"minute";r=0;t=\d+$/);
  });

  // jest rejects an empty table: apps without user files skip this block.
  if (spec.typesChecks.length === 0) return;
  it.each(spec.typesChecks)(
    `type-checks $file ($resolution) against dist/${spec.kind} types`,
    async (check) => {
      const listed = await typeChecks.get(`${spec.name}/${check.file}`)!;
      const ours = listed
        .split('\n')
        .map(posix)
        .filter((file) => file.includes(`/node_modules/${PACKAGE}/`));
      expect(ours).toContain(posix(join(dir, 'node_modules', PACKAGE, 'dist', spec.kind, 'index.d.ts')));
      expect(ours.filter((file) => !file.includes(`/dist/${spec.kind}/`))).toEqual([]);
    },
    120_000,
  );
});

describe.each(README_APPS)('README snippets in a $kind consumer ($name)', ({ name }) => {
  it('there are snippets to check, complete files and fragments', () => {
    const snippets = readmeSnippets(ROOT);
    expect(snippets.filter((snippet) => snippet.complete).length).toBeGreaterThanOrEqual(2);
    expect(snippets.filter((snippet) => !snippet.complete).length).toBeGreaterThanOrEqual(5);
  });

  it('every ```ts block of README.md and sample/*/README.md type-checks (strict) against the packed package', async () => {
    const errors = snippetErrors(await readmeChecks.get(name)!);
    expect(errors.filter((error) => !error.startsWith('canary:'))).toEqual([]);
  }, 120_000);

  it('a wrong snippet fails the check', async () => {
    const errors = snippetErrors(await readmeChecks.get(name)!);
    expect(errors.filter((error) => error.startsWith('canary:')).length).toBeGreaterThan(0);
  });
});
