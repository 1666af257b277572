import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus } from '@nestjs/common';
import { IdempotencyConflictError, InvalidCursorError, StoreUnavailableError } from '../store/notification-store.js';

type StoreError = IdempotencyConflictError | InvalidCursorError | StoreUnavailableError;

const STATUS = new Map<Function, { status: number; error: string }>([
  [IdempotencyConflictError, { status: HttpStatus.CONFLICT, error: 'Conflict' }],
  [InvalidCursorError, { status: HttpStatus.BAD_REQUEST, error: 'Bad Request' }],
  [StoreUnavailableError, { status: HttpStatus.SERVICE_UNAVAILABLE, error: 'Service Unavailable' }],
]);

/** Answers store errors over REST: 409 idempotency conflict, 400 bad cursor, 503 store down. */
@Catch(IdempotencyConflictError, InvalidCursorError, StoreUnavailableError)
export class StoreErrorsFilter implements ExceptionFilter<StoreError> {
  catch(error: StoreError, host: ArgumentsHost): void {
    const { status, error: name } = STATUS.get(error.constructor)!;
    const reply = host.switchToHttp().getResponse<{ status(code: number): { send(body: unknown): void } }>();
    reply.status(status).send({ statusCode: status, error: name, message: error.message });
  }
}
