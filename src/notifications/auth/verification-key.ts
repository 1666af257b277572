import type { JWTVerifyGetKey } from 'jose';

/** What tokens are checked against: the key for a token's header, and the algorithms allowed. */
export interface VerificationKey {
  key: JWTVerifyGetKey;
  algorithms: string[];
}
