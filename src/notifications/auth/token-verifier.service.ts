import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify, type JWTVerifyOptions } from 'jose';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ConnectionUser, ResolvedNotificationsOptions } from '../notifications.options.js';
import { InvalidTokenError } from './invalid-token.error.js';
import { identityFromClaims } from './token-claims.rules.js';
import type { VerificationKey } from './verification-key.js';
import { verificationKeyOf } from './verification-key.factory.js';

/** Verifies JWTs against the configured secret, PEM public key or JWKS, then bounds their claims. */
@Injectable()
export class TokenVerifier {
  private readonly key: VerificationKey | null;
  private readonly verifyOptions: JWTVerifyOptions;
  private readonly maxTtlS: number | undefined;

  constructor(@Inject(NOTIFICATIONS_OPTIONS) options: ResolvedNotificationsOptions) {
    this.key = verificationKeyOf(options);
    this.maxTtlS = options.jwtMaxTtlS;
    this.verifyOptions = {
      algorithms: this.key?.algorithms,
      issuer: options.jwtIssuer,
      audience: options.jwtAudience,
      clockTolerance: options.jwtClockToleranceS,
    };
  }

  async verify(token: string): Promise<ConnectionUser> {
    if (!this.key) throw new InvalidTokenError('no JWT key is configured');
    try {
      const { payload } = await jwtVerify(token, this.key.key, this.verifyOptions);
      return identityFromClaims(payload, this.maxTtlS, Math.floor(Date.now() / 1000));
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      throw new InvalidTokenError((error as Error).message);
    }
  }
}
