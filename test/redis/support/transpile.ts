import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Every `.ts` file under `dir`. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Transpiles (no type check, like ts-jest) `lib/` and the given folders of the repository into an
 * ESM tree under `node_modules/.cache`, where Node resolves the repository's dependencies, and
 * returns its root: run `node <root>/test/redis/support/app-process.js` in child processes.
 */
export function transpileForNode(folders: string[]): string {
  // One tree per checkout: node_modules may be shared by several worktrees (a symlink).
  const checkout = createHash('sha256').update(ROOT).digest('hex').slice(0, 12);
  const out = join(ROOT, 'node_modules', '.cache', `nestjs-ratelimit-redis-test-${checkout}`);
  rmSync(out, { recursive: true, force: true });
  const compilerOptions: ts.CompilerOptions = {
    module: ts.ModuleKind.ES2022,
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    useDefineForClassFields: false,
    esModuleInterop: true,
  };
  for (const file of ['lib', ...folders].flatMap((folder) => tsFiles(join(ROOT, folder)))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  return out;
}
