import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every `.ts` file under `dir` (default the library's `lib/`). */
export function sourceFiles(dir = 'lib'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** The value (not `import type`) imports of `pkg` in each file of `lib/`: what an optional peer must never have. */
export function staticImports(pkg: string): { file: string; statics: RegExpMatchArray | null }[] {
  const escaped = pkg.replace(/[/.]/g, (char) => `\\${char}`);
  const pattern = new RegExp(`^import\\s+(?!type\\b)[^;]*from\\s+'${escaped}'`, 'gm');
  return sourceFiles().map((file) => ({ file, statics: readFileSync(file, 'utf8').match(pattern) }));
}
