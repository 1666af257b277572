import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import { IdempotencyConflictError, InvalidCursorError, StoreOverloadedError, StoreUnavailableError } from '../store/notification-store.js';

type StoreError = IdempotencyConflictError | InvalidCursorError | StoreUnavailableError | StoreOverloadedError;

interface StoreErrorAnswer {
  status: HttpStatus;
  error: string;
  /** The answer's message; absent: the error's own, which names the client's mistake. */
  message?: string;
}

const ANSWERS = new Map<abstract new (...args: never[]) => StoreError, StoreErrorAnswer>([
  [IdempotencyConflictError, { status: HttpStatus.CONFLICT, error: 'Conflict' }],
  [InvalidCursorError, { status: HttpStatus.BAD_REQUEST, error: 'Bad Request' }],
  [StoreUnavailableError, { status: HttpStatus.SERVICE_UNAVAILABLE, error: 'Service Unavailable', message: 'store unavailable' }],
  [StoreOverloadedError, { status: HttpStatus.SERVICE_UNAVAILABLE, error: 'Service Unavailable', message: 'store overloaded' }],
]);

/** Seconds a client is asked to wait before retrying a 503. */
export const RETRY_AFTER_S = 1;

/** The reply of an HTTP exception filter, as Fastify's and Express's both have it. */
export interface Reply {
  header(name: string, value: string): Reply;
  status(code: number): Reply;
  send(body: unknown): void;
}

/**
 * Answers store errors over REST: 409 idempotency conflict, 400 bad cursor, 503 with
 * Retry-After when the store is down or too many writes wait. A 503 says only that: the
 * database's own error (a host, a path, SQL), the store error's cause, goes to the log.
 */
@Catch(IdempotencyConflictError, InvalidCursorError, StoreUnavailableError, StoreOverloadedError)
export class StoreErrorsFilter implements ExceptionFilter<StoreError> {
  private readonly logger = new Logger(StoreErrorsFilter.name);

  catch(error: StoreError, host: ArgumentsHost): void {
    const { status, error: name, message } = ANSWERS.get(error.constructor as new () => StoreError)!;
    const reply = host.switchToHttp().getResponse<Reply>();
    if (status === HttpStatus.SERVICE_UNAVAILABLE) {
      // An overload says nothing the log needs, once per refused publish, when the service is busiest.
      if (error instanceof StoreUnavailableError) this.logger.warn(`answering 503: ${error.message}${causeText(error)}`);
      reply.header('Retry-After', String(RETRY_AFTER_S));
    }
    reply.status(status).send({ statusCode: status, error: name, message: message ?? error.message });
  }
}

function causeText(error: Error): string {
  return error.cause instanceof Error ? `: ${error.cause.message}` : '';
}
