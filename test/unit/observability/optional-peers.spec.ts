import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { sourceFiles, staticImports } from '../../support/lib-sources.js';

// This file runs with prom-client and @nestjs/terminus unresolvable, as in an app that installed neither.
jest.unstable_mockModule('prom-client', () => {
  throw new Error("Cannot find package 'prom-client'");
});
jest.unstable_mockModule('@nestjs/terminus', () => {
  throw new Error("Cannot find package '@nestjs/terminus'");
});

describe('prom-client and @nestjs/terminus are optional peer dependencies', () => {
  it('are never imported statically by the library (terminus not at all)', () => {
    for (const pkg of ['prom-client', '@nestjs/terminus']) {
      for (const { file, statics } of staticImports(pkg)) expect({ file, statics }).toEqual({ file, statics: null });
    }
    const terminus = sourceFiles().filter((file) => readFileSync(file, 'utf8').includes("'@nestjs/terminus'"));
    expect(terminus).toEqual([]); // not even for types: the indicator returns terminus's result shape itself
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
