// Builds the package twice: ESM (dist/esm) for `import`, CommonJS (dist/cjs) for `require`.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const tsc = (project) =>
  promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project]).catch((error) => {
    process.stdout.write(error.stdout);
    process.stderr.write(error.stderr);
    throw new Error(`tsc -p ${project} failed`);
  });

rmSync('dist', { recursive: true, force: true });
// The two builds are independent: run them side by side.
await Promise.all([tsc('tsconfig.build.json'), tsc('tsconfig.build-cjs.json')]);
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
