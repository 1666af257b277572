import { type ArgumentsHost, Catch, HttpException, Injectable, Logger, type WsExceptionFilter } from '@nestjs/common';
import { ExceptionReporter } from './exception-reporter.service.js';
import { causeOf } from './protocol-cause.js';
import type { ExceptionCode, ExceptionData, FieldError } from '../protocol/exceptions.js';
import { ProtocolException } from './protocol.exception.js';

const CODE_BY_STATUS: Record<number, ExceptionCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  429: 'RATE_LIMITED',
};

/** Turns whatever a command handler threw into an `exception` frame with the command as `cause`. */
@Catch()
@Injectable()
export class ProtocolExceptionFilter implements WsExceptionFilter {
  private readonly logger = new Logger('NotificationsGateway');

  constructor(private readonly reporter: ExceptionReporter) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    this.reporter.report(ws.getClient(), { ...this.toBody(exception), cause: causeOf(ws.getPattern(), ws.getData()) });
  }

  private toBody(exception: unknown): ExceptionData {
    if (exception instanceof ProtocolException) return exception.body;
    // A host's global pipes and guards run on gateways too and throw HTTP exceptions.
    const code = exception instanceof HttpException ? CODE_BY_STATUS[exception.getStatus()] : undefined;
    if (exception instanceof HttpException && code) {
      const errors = code === 'VALIDATION_FAILED' ? fieldErrorsOf(exception) : undefined;
      return { status: 'error', code, message: exception.message, ...(errors ? { errors } : {}) };
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    return { status: 'error', code: 'INTERNAL', message: 'internal error' };
  }
}

/** Nest's default ValidationPipe answers messages such as "topic must be a string": the first word is the field. */
function fieldErrorsOf(exception: HttpException): FieldError[] | undefined {
  const response = exception.getResponse();
  const messages = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : undefined;
  if (!Array.isArray(messages)) return undefined;
  const byField = new Map<string, string[]>();
  for (const message of messages.filter((m): m is string => typeof m === 'string')) {
    const field = message.split(' ')[0];
    byField.set(field, [...(byField.get(field) ?? []), message]);
  }
  return [...byField].map(([field, fieldMessages]) => ({ field, messages: fieldMessages }));
}
