import { StoreUnavailableError } from '../notification-store.js';

/** Socket-level failures: the database is down, restarting or unreachable. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs that mean "try again later", not "your request is wrong": the server shutting down or
 * full, and its deadlines (statement_timeout 57014, lock_timeout 55P03, the idle transaction
 * 25P03 and idle session 57P05 timeouts).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '53300', '57014', '55P03', '25P03']);

/** Messages pg gives its own failures, which carry no code. */
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
  /cannot use a pool after calling end/i,
  /connection error/i,
  // query_timeout: the server never answered.
  /query read timeout/i,
];

/**
 * True when the error says the database cannot be reached or did not answer in time, rather
 * than that a statement was refused. Reads properties, not classes: socket errors may come from
 * another realm (vm contexts).
 */
export function isConnectionFailure(error: unknown): boolean {
  return error instanceof StoreUnavailableError || failureReason(error) !== null;
}

/**
 * Turns a connection failure into StoreUnavailableError, whose message names the failure from this
 * file's own vocabulary (a code, a pattern) so that it is safe to show; the driver's error, which
 * may name a host or SQL, is its `cause`, for the log. Other errors pass as they are.
 */
export function asStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const reason = failureReason(error);
  return reason === null ? error : new StoreUnavailableError(`database unavailable (${reason})`, { cause: error });
}

/** The code or pattern that makes the error a connection failure; null when it is none. */
function failureReason(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) {
    return code;
  }
  // Connecting to a name with several addresses fails with an AggregateError of each attempt.
  const attempt = Array.isArray(errors) ? errors.map(failureReason).find((reason) => reason !== null) : undefined;
  if (attempt) return attempt;
  return typeof message === 'string' ? (UNAVAILABLE_MESSAGES.find((pattern) => pattern.test(message))?.source ?? null) : null;
}
