import type { JWTPayload } from 'jose';
import { USER_ID_PATTERN } from '../dto/publish-notification.dto.js';
import type { ConnectionUser } from '../notifications.options.js';
import { InvalidTokenError } from './invalid-token.error.js';

/** Grants in one `topics` claim: every subscribe of a private topic walks them all. */
export const MAX_TOPIC_GRANTS = 100;
/** A topic name (128) plus the `*` of a prefix grant. */
export const MAX_TOPIC_GRANT_LENGTH = 129;

/**
 * The identity a verified token's claims give, or InvalidTokenError. With `maxTtlS`, the token
 * needs `exp`, and its lifetime counts from `iat`, or from now when `iat` is absent or later
 * (a future `iat` must not stretch it).
 */
export function identityFromClaims(payload: JWTPayload, maxTtlS: number | undefined, nowS: number): ConnectionUser {
  const { sub, exp, iat, topics } = payload;
  if (typeof sub !== 'string' || !USER_ID_PATTERN.test(sub)) throw new InvalidTokenError('sub is not a user id');
  if (maxTtlS !== undefined) {
    if (exp === undefined) throw new InvalidTokenError('token has no exp');
    if (exp - Math.min(iat ?? nowS, nowS) > maxTtlS) throw new InvalidTokenError(`token lives longer than ${maxTtlS} s`);
  }
  if (topics !== undefined && !isGrantList(topics)) {
    throw new InvalidTokenError(`topics must be a list of at most ${MAX_TOPIC_GRANTS} names of at most ${MAX_TOPIC_GRANT_LENGTH} characters`);
  }
  return { id: sub, topics, expiresAt: exp };
}

const isGrantList = (topics: unknown): topics is string[] =>
  Array.isArray(topics) &&
  topics.length <= MAX_TOPIC_GRANTS &&
  topics.every((grant) => typeof grant === 'string' && grant.length <= MAX_TOPIC_GRANT_LENGTH);
