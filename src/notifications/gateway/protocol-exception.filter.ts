import { type ArgumentsHost, Catch, Injectable, Logger, type WsExceptionFilter } from '@nestjs/common';
import { ExceptionReporter } from './exception-reporter.service.js';
import { type ProtocolErrorBody, ProtocolException } from './protocol.exception.js';

/** Turns whatever a command handler threw into an `exception` frame with the command as `cause`. */
@Catch()
@Injectable()
export class ProtocolExceptionFilter implements WsExceptionFilter {
  private readonly logger = new Logger('NotificationsGateway');

  constructor(private readonly reporter: ExceptionReporter) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    let body: ProtocolErrorBody;
    if (exception instanceof ProtocolException) {
      body = exception.body;
    } else {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
      body = { status: 'error', code: 'INTERNAL', message: 'internal error' };
    }
    this.reporter.report(ws.getClient(), { ...body, cause: { pattern: ws.getPattern(), data: ws.getData() } });
  }
}
