import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// This file runs with prom-client and @nestjs/terminus unresolvable, as in an app that installed neither.
jest.unstable_mockModule('prom-client', () => {
  throw new Error("Cannot find package 'prom-client'");
});
jest.unstable_mockModule('@nestjs/terminus', () => {
  throw new Error("Cannot find package '@nestjs/terminus'");
});

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );

describe('prom-client and @nestjs/terminus are optional peer dependencies', () => {
  it('are never imported statically by the library (terminus not at all)', () => {
    for (const file of sourceFiles('lib')) {
      const text = readFileSync(file, 'utf8');
      const statics = text.match(/^import\s+(?!type\b)[^;]*from\s+'(prom-client|@nestjs\/terminus)'/gm);
      expect({ file, statics, terminus: text.includes("'@nestjs/terminus'") }).toEqual({
        file,
        statics: null,
        terminus: false,
      });
    }
  });

  it('without them the module boots and the health indicator works; metrics fail at bootstrap with "npm install prom-client"', async () => {
    Logger.overrideLogger(false);
    const { Test } = await import('@nestjs/testing');
    const { RateLimitModule, RateLimitHealthIndicator, InvalidRateLimitConfigError } =
      await import('../../../lib/index.js');
    const plain = await Test.createTestingModule({ imports: [RateLimitModule.forRoot()] }).compile();
    await plain.init();
    expect(await plain.get(RateLimitHealthIndicator).isHealthy('ratelimit')).toEqual({
      ratelimit: { status: 'up', storage: 'MemoryStorage', fallback: false, onStorageError: 'fallback' },
    });
    await plain.close();

    const metrics = Test.createTestingModule({ imports: [RateLimitModule.forRoot({ metrics: true })] }).compile();
    await expect(metrics).rejects.toThrow(InvalidRateLimitConfigError);
    await expect(
      Test.createTestingModule({ imports: [RateLimitModule.forRoot({ metrics: true })] }).compile(),
    ).rejects.toThrow(/option "metrics" needs the package prom-client: run `npm install prom-client`/);
  });
});
