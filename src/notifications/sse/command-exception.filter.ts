import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ProtocolException } from '../gateway/protocol.exception.js';
import { causeOf } from '../gateway/protocol-cause.js';
import { isJsonObject } from '../json-object.js';
import type { ExceptionCode, ExceptionData } from '../protocol/exceptions.js';
import { StoreOverloadedError, StoreUnavailableError } from '../store/notification-store.js';
import { type Reply, RETRY_AFTER_S } from '../http/store-errors.filter.js';

/** The status of each exception code over `POST /commands`. */
export const COMMAND_STATUS: Record<ExceptionCode, number> = {
  BAD_JSON: 400,
  UNKNOWN_EVENT: 400,
  VALIDATION_FAILED: 400,
  LIMIT_EXCEEDED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/**
 * Answers a refused `POST /commands` with the `exception` frame a WebSocket client would get, and
 * the status that fits its code; the body's own faults (not JSON, over 64 KiB) as BAD_JSON.
 */
@Catch()
export class CommandExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('StreamCommands');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<Reply>();
    const { status, data } = this.answer(exception);
    const body: unknown = http.getRequest<{ body?: unknown }>().body;
    const cause = isJsonObject(body) && typeof body.event === 'string' && data.code !== 'BAD_JSON' ? causeOf(body.event, body.data) : undefined;
    if (status === 503) reply.header('Retry-After', String(RETRY_AFTER_S));
    reply.status(status).send({ event: 'exception', data: { ...data, ...(cause ? { cause } : {}) } });
  }

  private answer(exception: unknown): { status: number; data: ExceptionData } {
    if (exception instanceof ProtocolException) return { status: COMMAND_STATUS[exception.body.code], data: exception.body };
    // Fastify's own refusals of the body: not JSON, not application/json, too large.
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      return { status: exception.getStatus(), data: { status: 'error', code: 'BAD_JSON', message: exception.message } };
    }
    if (exception instanceof StoreUnavailableError || exception instanceof StoreOverloadedError) {
      return { status: 503, data: { status: 'error', code: 'INTERNAL', message: 'store unavailable' } };
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    return { status: 500, data: { status: 'error', code: 'INTERNAL', message: 'internal error' } };
  }
}
