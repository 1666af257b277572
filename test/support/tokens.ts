import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export const JWT_SECRET = 'test-secret-of-at-least-16-chars';

/**
 * Seconds since the epoch, `offset` seconds from now (as JWT time claims count), rounded up: a
 * token that expires in 1 s must not be minted already expired at the end of a second.
 */
export const epochIn = (offset: number): number => Math.ceil(Date.now() / 1000) + offset;

/**
 * Signs an HS256 token for `sub` with extra claims; `expiresIn` in seconds from now. A random
 * `jti` makes every token distinct, even two signed within the same second.
 */
export function hsToken(sub: string, claims: Record<string, unknown> = {}, expiresIn?: number, secret = JWT_SECRET): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setJti(randomUUID());
  if (expiresIn !== undefined) jwt.setExpirationTime(epochIn(expiresIn));
  return jwt.sign(new TextEncoder().encode(secret));
}

/** Signs an HS256 token with exactly these claims: no `iat` or `exp` unless given. */
export function hsTokenWith(claims: JWTPayload, secret = JWT_SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
}

/** One key of an issuer's JWKS: its public JWK (with `kid`) and a signer using the private half. */
export interface JwksKey {
  jwk: JWK;
  /** `kid: null` leaves the header without one. */
  sign(sub: string, options?: { kid?: string | null; expiresIn?: number }): Promise<string>;
}

export async function jwksKey(alg: 'RS256' | 'ES256', kid: string): Promise<JwksKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return {
    jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    sign: (sub, { kid: headerKid = kid, expiresIn = 60 } = {}) =>
      new SignJWT({}).setProtectedHeader(headerKid === null ? { alg } : { alg, kid: headerKid }).setSubject(sub).setIssuedAt().setExpirationTime(epochIn(expiresIn)).sign(privateKey),
  };
}
