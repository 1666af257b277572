import { createPublicKey, type KeyObject } from 'node:crypto';
import type { NotificationsSettings } from '../notifications.options.js';
import { jwksKeyOf, PUBLIC_KEY_ALGORITHMS } from './jwks-key.factory.js';
import type { VerificationKey } from './verification-key.js';

/**
 * The key tokens are verified with: JWT_PUBLIC_KEY (a PEM, or a JWKS document when it starts
 * with `{`), else JWT_SECRET for HS256; null when neither is set. A bad key throws, naming it.
 */
export function verificationKeyOf({ jwtSecret, jwtPublicKey }: Pick<NotificationsSettings, 'jwtSecret' | 'jwtPublicKey'>): VerificationKey | null {
  if (jwtPublicKey) return jwtPublicKey.trimStart().startsWith('{') ? jwksKeyOf(jwtPublicKey) : pemKeyOf(jwtPublicKey);
  if (!jwtSecret) return null;
  const secret = new TextEncoder().encode(jwtSecret);
  return { key: () => secret, algorithms: ['HS256'] };
}

function pemKeyOf(pem: string): VerificationKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new Error(`JWT_PUBLIC_KEY is not a PEM public key (${(error as Error).message})`, { cause: error });
  }
  return { key: () => key, algorithms: PUBLIC_KEY_ALGORITHMS };
}
