import { createPublicKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { jwtVerify, type JWTVerifyOptions } from 'jose';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ConnectionUser, ResolvedNotificationsOptions } from '../notifications.options.js';

/** The token does not verify: bad signature, expired, wrong issuer or audience, no `sub`. */
export class InvalidTokenError extends Error {}

/** Verifies JWTs with the configured HS256 secret or RS256/ES256 public key. */
@Injectable()
export class TokenVerifier {
  private readonly key: Uint8Array | KeyObject | null;
  private readonly verifyOptions: JWTVerifyOptions;

  constructor(@Inject(NOTIFICATIONS_OPTIONS) options: ResolvedNotificationsOptions) {
    const { jwtSecret, jwtPublicKey, jwtIssuer, jwtAudience } = options;
    this.key = jwtPublicKey ? createPublicKey(jwtPublicKey) : jwtSecret ? new TextEncoder().encode(jwtSecret) : null;
    this.verifyOptions = {
      algorithms: jwtPublicKey ? ['RS256', 'ES256'] : ['HS256'],
      issuer: jwtIssuer,
      audience: jwtAudience,
    };
  }

  /** True when a JWT key is configured. */
  get enabled(): boolean {
    return this.key !== null;
  }

  async verify(token: string): Promise<ConnectionUser> {
    if (!this.key) throw new InvalidTokenError('no JWT key is configured');
    try {
      const { payload } = await jwtVerify(token, this.key, this.verifyOptions);
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidTokenError('token has no sub');
      const topics = Array.isArray(payload.topics) ? payload.topics.filter((t): t is string => typeof t === 'string') : undefined;
      return { id: payload.sub, topics, expiresAt: payload.exp };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      throw new InvalidTokenError((error as Error).message);
    }
  }
}
