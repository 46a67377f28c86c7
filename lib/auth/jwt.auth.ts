import { Inject, Injectable, Optional, type ExecutionContext } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { EmptyInformation } from '../errors/empty-information.error.js';
import { requestOf } from '../contexts/contexts.js';
import { InvalidRateLimitConfigError } from '../errors/invalid-rate-limit-config.error.js';
import { readIdentity } from './identity-claims.js';
import type { Identity, RateLimitAuth } from './rate-limit-auth.interface.js';

/** What `JwtAuth` needs of a `JwtService` from @nestjs/jwt (typed structurally: the package is optional). */
export interface JwtVerifier {
  verifyAsync(token: string, options?: JwtVerifyOptions & { algorithms?: any[] }): Promise<any>;
}

/** Claims `JwtAuth` checks besides the signature and `exp`/`nbf` (jsonwebtoken's and @nestjs/jwt's names). */
export interface JwtVerifyOptions {
  /** Accepted `iss` claim values. */
  issuer?: string | string[];
  /** Accepted `aud` claim values (a token matching any one is accepted). */
  audience?: string | RegExp | (string | RegExp)[];
  /** Required `sub` claim value. */
  subject?: string;
  /** Seconds of clock skew tolerated when checking `exp` and `nbf`. */
  clockTolerance?: number;
  /** Maximum token age from its `iat` claim: seconds, or a duration string such as `'2h'`. */
  maxAge?: number | string;
}

/** Options of `JwtAuth`. Give `secret`, `publicKey` or `jwtService`, or none to use the app's `JwtModule`. */
export interface JwtAuthOptions {
  /** Shared secret of HMAC tokens (HS256, HS384, HS512). */
  secret?: string | Buffer | KeyObject;
  /** Public key (PEM, or a KeyObject) of RSA, RSA-PSS or ECDSA tokens (RS256, PS256, ES256, ...). */
  publicKey?: string | Buffer | KeyObject;
  /**
   * Accepted signature algorithms (`alg: none` never is). Default `['HS256']` with `secret`,
   * `['RS256']` with `publicKey`; with a `JwtService`, the JwtModule's `verifyOptions.algorithms`,
   * else the algorithms of its key's type.
   */
  algorithms?: string | readonly string[];
  /** A `JwtService` to verify with, e.g. injected in `forRootAsync`'s factory. */
  jwtService?: JwtVerifier;
  /**
   * Issuer, audience, subject, clock tolerance and maximum age to check. With a `JwtService`, they
   * take precedence over its JwtModule's `verifyOptions`. Default: none (only signature and expiry).
   */
  verifyOptions?: JwtVerifyOptions;
  /** Claim holding the user id (a string or number). Default `'user'`. */
  userKey?: string;
  /** Claim holding the user's group. Default `'group'`; a token without it is in group `'default'`. */
  groupKey?: string;
}

const HMAC = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/** Never provided: `auth: JwtAuth` (built by Nest DI) verifies with the app's `JwtService`. */
const JWT_AUTH_OPTIONS = Symbol('JWT_AUTH_OPTIONS');

type NestJwt = typeof import('@nestjs/jwt');
let nestJwt: Promise<NestJwt> | undefined;

/** Loads the optional peer dependency @nestjs/jwt once. */
function loadNestJwt(): Promise<NestJwt> {
  nestJwt ??= import('@nestjs/jwt').catch((error: unknown) => {
    throw new InvalidRateLimitConfigError(
      `JwtAuth needs the package @nestjs/jwt: run \`npm install @nestjs/jwt\` ` +
        `(${error instanceof Error ? error.message : String(error)}).`,
    );
  });
  return nestJwt;
}

const VERIFY_OPTION_KEYS = ['issuer', 'audience', 'subject', 'clockTolerance', 'maxAge'];

/** `verifyOptions` checked: known keys only, each of its type; throws naming the field otherwise. */
function checkVerifyOptions(options: unknown): JwtVerifyOptions | undefined {
  if (options === undefined) return undefined;
  const fail = (detail: string): never => {
    throw new InvalidRateLimitConfigError(`Invalid JwtAuth option "verifyOptions": ${detail}.`);
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail(`expected an object like { issuer, audience }, got ${JSON.stringify(options)}`);
  }
  const fields = options as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key === 'algorithms') fail('give "algorithms" as an option of JwtAuth itself, not in verifyOptions');
    if (!VERIFY_OPTION_KEYS.includes(key))
      fail(`unknown key "${key}"; known keys are ${VERIFY_OPTION_KEYS.join(', ')}`);
  }
  const isText = (value: unknown) => typeof value === 'string' && value !== '';
  const texts = (value: unknown, item: (value: unknown) => boolean) =>
    item(value) || (Array.isArray(value) && value.length > 0 && value.every(item));
  const { issuer, audience, subject, clockTolerance, maxAge } = fields;
  if (issuer !== undefined && !texts(issuer, isText)) fail(`"issuer" must be a string or a list of strings`);
  if (audience !== undefined && !texts(audience, (value) => isText(value) || value instanceof RegExp)) {
    fail(`"audience" must be a string, a RegExp or a list of them`);
  }
  if (subject !== undefined && !isText(subject)) fail(`"subject" must be a string`);
  if (clockTolerance !== undefined && !(typeof clockTolerance === 'number' && clockTolerance >= 0)) {
    fail(`"clockTolerance" must be a number of seconds >= 0, got ${JSON.stringify(clockTolerance)}`);
  }
  if (maxAge !== undefined && !(isText(maxAge) || (typeof maxAge === 'number' && maxAge > 0))) {
    fail(`"maxAge" must be seconds > 0 or a duration such as '2h', got ${JSON.stringify(maxAge)}`);
  }
  return { ...fields };
}

function checkAlgorithms(algorithms: string | readonly string[], allowed: readonly string[]): string[] {
  const list = ([] as string[]).concat(algorithms);
  const wrong = list.find((name) => !allowed.includes(name));
  if (list.length === 0 || wrong !== undefined) {
    throw new InvalidRateLimitConfigError(
      `Invalid JwtAuth option "algorithms": ${JSON.stringify(algorithms)}; ` +
        `use a non-empty list of ${allowed.join(', ')} (this key type accepts only these).`,
    );
  }
  return list;
}

/**
 * Identifies callers by a JWT in `Authorization: Bearer <token>` (scheme case-insensitive),
 * verified with @nestjs/jwt against an explicit list of algorithms: user from claim `userKey`,
 * group from claim `groupKey`.
 *
 * - `auth: JwtAuth` (the class): verifies with the app's `JwtService` (register `JwtModule`).
 * - `auth: new JwtAuth({ secret | publicKey | jwtService, algorithms, userKey, groupKey })`.
 * - `auth: createJwtAuth(secret, algorithms)`.
 *
 * No Authorization header, another scheme (`Basic ...`) or a token without the user claim throws
 * `EmptyInformation`; a malformed header or an invalid, expired, unsigned (`alg: none`) or
 * wrongly signed token throws the verification error (by default a 401 naming the cause).
 * @nestjs/jwt is an optional peer dependency, loaded at bootstrap (`prepare`): without it, or
 * without a key or JwtModule, the application does not boot.
 */
@Injectable()
export class JwtAuth implements RateLimitAuth {
  private readonly userKey: string;
  private readonly groupKey: string;
  private readonly algorithms?: string[];
  /** `secret` or `publicKey` as a KeyObject: jsonwebtoken verifies ~100x faster than with a string. */
  private readonly key?: { secret: KeyObject } | { publicKey: KeyObject };
  private verifier?: Promise<(token: string) => Promise<unknown>>;
  private verify?: (token: string) => Promise<unknown>;
  private readonly verifyOptions?: JwtVerifyOptions;

  constructor(
    @Optional() @Inject(JWT_AUTH_OPTIONS) private readonly options: JwtAuthOptions = {},
    @Optional() @Inject(ModuleRef) private readonly moduleRef?: ModuleRef,
  ) {
    const { secret, publicKey, jwtService, algorithms } = options;
    if ([secret, publicKey, jwtService].filter((value) => value !== undefined).length > 1) {
      throw new InvalidRateLimitConfigError(
        'Invalid JwtAuth options: give only one of "secret", "publicKey" and "jwtService".',
      );
    }
    if (secret === undefined && publicKey === undefined && jwtService === undefined && moduleRef === undefined) {
      throw new InvalidRateLimitConfigError(
        'new JwtAuth() needs "secret", "publicKey" or "jwtService"; to verify with the app\'s JwtModule, ' +
          'pass the class itself (auth: JwtAuth) or inject JwtService in forRootAsync.',
      );
    }
    if (secret !== undefined) {
      this.algorithms = checkAlgorithms(algorithms ?? 'HS256', HMAC);
      this.key = { secret: toKey('secret', secret, (bytes) => createSecretKey(Buffer.from(bytes))) };
    } else if (publicKey !== undefined) {
      this.algorithms = checkAlgorithms(algorithms ?? 'RS256', ASYMMETRIC);
      this.key = { publicKey: toKey('publicKey', publicKey, createPublicKey) };
    } else if (algorithms !== undefined) this.algorithms = checkAlgorithms(algorithms, [...HMAC, ...ASYMMETRIC]);
    this.userKey = options.userKey ?? 'user';
    this.groupKey = options.groupKey ?? 'group';
    if (jwtService !== undefined && typeof jwtService.verifyAsync !== 'function') {
      throw new InvalidRateLimitConfigError(
        'Invalid JwtAuth option "jwtService": expected a JwtService of @nestjs/jwt (with verifyAsync).',
      );
    }
    this.verifyOptions = checkVerifyOptions(options.verifyOptions);
    if (jwtService === undefined) loadNestJwt().catch(() => {}); // start loading; prepare() reports failures
  }

  /**
   * Called at bootstrap by RateLimitModule: loads @nestjs/jwt and finds the key or the app's
   * JwtService, so that a missing package or JwtModule stops the app from booting.
   */
  async prepare(): Promise<void> {
    this.verify ??= await (this.verifier ??= this.createVerifier());
  }

  async authenticate(context: ExecutionContext): Promise<Identity> {
    const token = bearerToken(requestOf(context).headers?.authorization);
    if (this.verify === undefined) await this.prepare();
    const claims = await this.verify!(token);
    const identity =
      typeof claims === 'object' && claims !== null
        ? readIdentity(claims as any, this.userKey, this.groupKey)
        : undefined;
    if (identity === undefined)
      throw new EmptyInformation(`The JWT has no "${this.userKey}" claim (a string or number)`);
    return identity;
  }

  private async createVerifier(): Promise<(token: string) => Promise<unknown>> {
    const { jwtService } = this.options;
    const verifyOptions =
      this.algorithms === undefined && this.verifyOptions === undefined
        ? undefined
        : ({ ...this.verifyOptions, ...(this.algorithms && { algorithms: this.algorithms }) } as Record<string, any>);
    if (jwtService !== undefined) return (token) => jwtService.verifyAsync(token, verifyOptions);
    const { JwtService } = await loadNestJwt();
    if (this.key !== undefined) {
      const own = new JwtService(this.key);
      return async (token) => own.verify(token, verifyOptions);
    }
    let appService: JwtVerifier | undefined;
    try {
      appService = this.moduleRef?.get(JwtService, { strict: false });
    } catch {
      // not registered
    }
    if (appService === undefined) {
      throw new InvalidRateLimitConfigError(
        'JwtAuth found no JwtService: register JwtModule (from @nestjs/jwt) in the app, e.g. ' +
          'JwtModule.register({ global: true, secret }), or use new JwtAuth({ secret }) / createJwtAuth(secret).',
      );
    }
    const moduleOptions = (appService as { options?: Record<string, unknown> }).options;
    if (typeof moduleOptions === 'object' && !JWT_MODULE_KEYS.some((key) => moduleOptions[key] !== undefined)) {
      throw new InvalidRateLimitConfigError(
        "JwtAuth: the app's JwtModule has no key to verify tokens with: give it one, e.g. " +
          'JwtModule.register({ secret }) (or publicKey, or secretOrKeyProvider).',
      );
    }
    const service = appService;
    return (token) => service.verifyAsync(token, verifyOptions);
  }
}

/** JwtModule options that give its JwtService a key to verify with. */
const JWT_MODULE_KEYS = ['secret', 'publicKey', 'secretOrPrivateKey', 'secretOrKeyProvider'];

/** A key option as a KeyObject; a key Node cannot read is a configuration error naming the option. */
function toKey(
  option: string,
  key: string | Buffer | KeyObject,
  create: (key: string | Buffer) => KeyObject,
): KeyObject {
  const expected = option === 'secret' ? 'secret' : 'public';
  let keyObject: KeyObject | undefined;
  let problem = `a ${expected} KeyObject`;
  try {
    keyObject = typeof key === 'object' && !Buffer.isBuffer(key) ? key : create(key);
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  if (keyObject?.type !== expected || keyObject.symmetricKeySize === 0) {
    throw new InvalidRateLimitConfigError(
      `Invalid JwtAuth option "${option}": ${problem}; ` +
        (option === 'secret' ? 'give a non-empty string or Buffer.' : 'give a PEM public key.'),
    );
  }
  return keyObject;
}

/** The token of `Authorization: Bearer <token>`; EmptyInformation without one, an Error if malformed. */
function bearerToken(header: unknown): string {
  if (typeof header !== 'string' || header.trim() === '') throw new EmptyInformation('No Authorization header');
  const [scheme, token, ...rest] = header.trim().split(/\s+/);
  const isBearer = scheme.toLowerCase() === 'bearer';
  if (!isBearer && token !== undefined) {
    throw new EmptyInformation('The Authorization header holds another scheme than Bearer');
  }
  if (!isBearer || token === undefined || rest.length > 0) {
    throw new Error('Malformed Authorization header: expected "Bearer <token>"');
  }
  return token;
}

/**
 * asgi-ratelimit's `create_jwt_auth`: a `JwtAuth` verifying tokens with `key` by `algorithms`
 * (default `'HS256'`), user in claim `user`, group in claim `group`. `key` is the shared secret
 * for HMAC algorithms, the PEM public key for RSA/ECDSA ones.
 */
export function createJwtAuth(key: string, algorithms: string | readonly string[] = 'HS256'): JwtAuth {
  const asymmetric = ([] as string[]).concat(algorithms).some((name) => ASYMMETRIC.includes(name));
  return new JwtAuth(asymmetric ? { publicKey: key, algorithms } : { secret: key, algorithms });
}
