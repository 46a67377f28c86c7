import { jest } from '@jest/globals';
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

  it('without it, the package loads and an app with JwtAuth fails at bootstrap with "npm install @nestjs/jwt"', async () => {
    const { JwtAuth, createJwtAuth, InvalidRateLimitConfigError, RateLimitModule } =
      await import('../../../lib/index.js');
    const { Test } = await import('@nestjs/testing');
    const auth = createJwtAuth('secret');
    expect(auth).toBeInstanceOf(JwtAuth);
    for (const options of [{ auth }, { auth: JwtAuth }]) {
      const moduleRef = await Test.createTestingModule({ imports: [RateLimitModule.forRoot(options)] }).compile();
      const boot = moduleRef.createNestApplication({ logger: false }).init();
      await expect(boot).rejects.toThrow(InvalidRateLimitConfigError);
      await expect(boot).rejects.toThrow('JwtAuth needs the package @nestjs/jwt: run `npm install @nestjs/jwt`');
    }
    // used directly, outside the module, it fails on use
    const context: any = {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => ({ headers: { authorization: 'Bearer a.b.c' } }) }),
    };
    await expect(auth.authenticate(context)).rejects.toThrow('npm install @nestjs/jwt');
  });
});
