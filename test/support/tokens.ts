import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** The HMAC secret of the test apps. */
export const SECRET = 'test-secret-that-is-long-enough-for-hs512-0123456789';

/** An RSA key pair for RS256 tokens (PEM). */
export const RSA = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

/** An `exp` claim a minute in the past. */
export const pastExp = () => Math.floor(Date.now() / 1000) - 60;

/** An HS256 token for `claims`, signed with `secret`. */
export const hs256 = (claims: object, secret = SECRET, options: jwt.SignOptions = {}) =>
  jwt.sign(claims, secret, { algorithm: 'HS256', ...options });

/** An RS256 token for `claims`, signed with the test RSA private key. */
export const rs256 = (claims: object) => jwt.sign(claims, RSA.privateKey, { algorithm: 'RS256' });

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`): header and payload, empty signature. */
export const unsigned = (claims: object) => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;

/**
 * An HS256 token whose HMAC key is `key` taken as bytes, crafted by hand (jsonwebtoken refuses
 * it): with the RSA public key PEM, the classic algorithm-confusion attack.
 */
export function hmacWithKey(claims: object, key: string): string {
  const body = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

/** `Authorization: Bearer <token>`. */
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
