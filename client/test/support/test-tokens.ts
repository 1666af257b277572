import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * Signs an HS256 JWT for `sub` that expires `lifetimeS` seconds from now (no `exp` when null).
 * A random `jti` makes every token distinct, even two signed within the same second.
 */
export function signToken(secret: string, sub: string, lifetimeS: number | null): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setJti(randomUUID());
  if (lifetimeS !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeS);
  return jwt.sign(new TextEncoder().encode(secret));
}
