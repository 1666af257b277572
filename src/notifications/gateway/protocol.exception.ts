import { WsException } from '@nestjs/websockets';
import type { ExceptionCode, ExceptionData, FieldError } from '../protocol/exceptions.js';

/** A command failed in a way the client should hear about; the socket stays open. */
export class ProtocolException extends WsException {
  constructor(code: ExceptionCode, message: string, errors?: FieldError[]) {
    super({ status: 'error', code, message, ...(errors ? { errors } : {}) } satisfies ExceptionData);
  }

  get body(): ExceptionData {
    return this.getError() as ExceptionData;
  }
}
