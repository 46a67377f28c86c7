import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { staticImports } from '../../support/lib-sources.js';

// This file runs with @nestjs/jwt unresolvable, as in an app that never installed it.
jest.unstable_mockModule('@nestjs/jwt', () => {
  throw new Error("Cannot find package '@nestjs/jwt'");
});

describe('@nestjs/jwt is an optional peer dependency', () => {
  it('is never imported statically by the library', () => {
    for (const { file, statics } of staticImports('@nestjs/jwt'))
      expect({ file, statics }).toEqual({ file, statics: null });
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
