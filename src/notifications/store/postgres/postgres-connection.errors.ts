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
  if (error instanceof StoreUnavailableError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) {
    return true;
  }
  // Connecting to a name with several addresses fails with an AggregateError of each attempt.
  if (Array.isArray(errors) && errors.some(isConnectionFailure)) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Turns a connection failure into StoreUnavailableError (the REST layer answers 503 without its
 * message, which names the database's error for the logs); other errors pass as they are.
 */
export function asStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isConnectionFailure(error)) return error;
  return new StoreUnavailableError(`database unavailable: ${String((error as { message?: unknown }).message)}`, { cause: error });
}
