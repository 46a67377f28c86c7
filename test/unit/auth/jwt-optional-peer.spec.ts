import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// This file runs with @nestjs/jwt unresolvable, as in an app that never installed it.
jest.unstable_mockModule('@nestjs/jwt', () => {
  throw new Error("Cannot find package '@nestjs/jwt'");
});

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );

describe('@nestjs/jwt is an optional peer dependency', () => {
  it('is never imported statically by the library', () => {
    for (const file of sourceFiles('lib')) {
      const statics = readFileSync(file, 'utf8').match(/^import\s+(?!type\b)[^;]*from\s+'@nestjs\/jwt'/gm);
      expect({ file, statics }).toEqual({ file, statics: null });
    }
  });

  it('without it, the package loads and JwtAuth fails on use with "npm install @nestjs/jwt"', async () => {
    Logger.overrideLogger(false); // the missing package is also logged once; keep the test output clean
    const { JwtAuth, createJwtAuth, InvalidRateLimitConfigError } = await import('../../../lib/index.js');
    const auth = createJwtAuth('secret');
    expect(auth).toBeInstanceOf(JwtAuth);
    const context: any = {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => ({ headers: { authorization: 'Bearer a.b.c' } }) }),
    };
    const failure = auth.authenticate(context);
    await expect(failure).rejects.toThrow(InvalidRateLimitConfigError);
    await expect(failure).rejects.toThrow('npm install @nestjs/jwt');
  });
});
