import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, type JWK } from 'jose';
import { isJsonObject } from '../json-object.js';
import type { VerificationKey } from './verification-key.js';

/** Algorithms a key may declare: asymmetric signatures only, so never `none` nor HS* with a public key. */
const ALLOWED_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);
/** What a PEM key verifies (section 2 of the contract): a key that declares no `alg` gets the same. */
export const PUBLIC_KEY_ALGORITHMS = ['RS256', 'ES256'];
const KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);

/**
 * A JWKS document `{"keys": [...]}` as a key chosen by the token's `kid`, for rotation. Every key
 * is imported now, so a bad one stops start-up instead of refusing its tokens later.
 */
export function jwksKeyOf(document: string): VerificationKey {
  const keys = keysOf(document);
  keys.forEach(checkKey);
  // A key without kid would match no token that names one, and make kid-less tokens ambiguous.
  if (keys.length > 1 && keys.some((jwk) => typeof jwk.kid !== 'string' || jwk.kid === '')) refuse('with several keys, every key needs a kid');
  const declared = keys.flatMap((jwk) => (typeof jwk.alg === 'string' ? [jwk.alg] : []));
  return { key: createLocalJWKSet({ keys }), algorithms: [...new Set([...PUBLIC_KEY_ALGORITHMS, ...declared])] };
}

const refuse = (reason: string): never => {
  throw new Error(`JWT_PUBLIC_KEY is not a usable JWKS: ${reason}`);
};

function keysOf(document: string): JWK[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch (error) {
    return refuse(`not JSON (${(error as Error).message})`);
  }
  const keys = isJsonObject(parsed) ? parsed.keys : undefined;
  if (!Array.isArray(keys) || keys.length === 0) return refuse('expected {"keys": [...]} with at least one key');
  if (!keys.every(isJsonObject)) return refuse('every entry of keys must be an object');
  return keys;
}

function checkKey(jwk: JWK, index: number): void {
  const name = `keys[${index}]${typeof jwk.kid === 'string' ? ` (kid ${jwk.kid})` : ''}`;
  if (!KEY_TYPES.has(jwk.kty ?? '')) refuse(`${name}: kty must be RSA, EC or OKP`);
  if (jwk.d !== undefined) refuse(`${name} is a private key; give only its public half`);
  if (jwk.alg !== undefined && !ALLOWED_ALGORITHMS.has(jwk.alg)) {
    refuse(`${name}: alg ${jwk.alg} is not one of ${[...ALLOWED_ALGORITHMS].join(', ')}`);
  }
  try {
    createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (error) {
    refuse(`${name} does not import (${(error as Error).message})`);
  }
}
