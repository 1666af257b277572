import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import { type ConnectionUser, isInsecureDevMode, type ResolvedNotificationsOptions } from '../notifications.options.js';
import { personalTopic, TOPIC_PATTERN } from '../notification.model.js';
import { TokenVerifier } from './token-verifier.service.js';

/** Why a handshake was refused: the HTTP status and a short reason. */
export class HandshakeRefusal extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Decides who a WebSocket handshake is: the host's `authenticate` hook, else a JWT from the
 * `Authorization` header or `access_token`, else (insecure dev mode) the unverified `?user=`.
 */
@Injectable()
export class HandshakeAuthenticator {
  private readonly devMode: boolean;
  private readonly allowedOrigins: Set<string> | null;

  constructor(
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
    private readonly tokens: TokenVerifier,
  ) {
    this.devMode = isInsecureDevMode(options);
    this.allowedOrigins = options.allowedOrigins ? new Set(options.allowedOrigins) : null;
  }

  /** Resolves the user of a handshake (null: anonymous) or throws HandshakeRefusal. */
  async authenticate(request: IncomingMessage): Promise<ConnectionUser | null> {
    const origin = request.headers.origin;
    if (origin && this.allowedOrigins && !this.allowedOrigins.has(origin)) {
      throw new HandshakeRefusal(403, 'origin not allowed');
    }
    const query = queryOf(request.url ?? '/');
    if (this.options.authenticate) {
      try {
        return await this.options.authenticate(request);
      } catch {
        throw new HandshakeRefusal(401, 'authentication failed');
      }
    }
    if (this.devMode) return this.devUser(query.get('user'));
    const token = bearerToken(request.headers.authorization) ?? query.get('access_token');
    if (!token) throw new HandshakeRefusal(401, 'missing token');
    try {
      return await this.tokens.verify(token);
    } catch {
      throw new HandshakeRefusal(401, 'invalid token');
    }
  }

  private devUser(userId: string | null): ConnectionUser | null {
    if (userId === null) return null;
    if (!TOPIC_PATTERN.test(personalTopic(userId))) throw new HandshakeRefusal(401, 'invalid user id');
    return { id: userId };
  }
}

/** The request target's query: a handshake's target is a path, so no URL needs building. */
const queryOf = (target: string): URLSearchParams => {
  const start = target.indexOf('?');
  return new URLSearchParams(start < 0 ? '' : target.slice(start + 1));
};

const bearerToken = (header: string | undefined): string | null => {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1] : null;
};
