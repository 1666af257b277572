import { SignJWT } from 'jose';

export const JWT_SECRET = 'test-secret-of-at-least-16-chars';

/** Signs an HS256 token for `sub` with extra claims; `expiresIn` in seconds from now. */
export function hsToken(sub: string, claims: Record<string, unknown> = {}, expiresIn?: number, secret = JWT_SECRET): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt();
  if (expiresIn !== undefined) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn);
  return jwt.sign(new TextEncoder().encode(secret));
}
