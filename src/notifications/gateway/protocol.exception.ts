import { WsException } from '@nestjs/websockets';

/** `exception.code` values of the contract (sections 4 and 10). */
export type ProtocolErrorCode =
  | 'BAD_JSON'
  | 'UNKNOWN_EVENT'
  | 'VALIDATION_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'LIMIT_EXCEEDED'
  | 'INTERNAL';

export interface FieldError {
  field: string;
  messages: string[];
}

/** The `data` of an `exception` frame. */
export interface ProtocolErrorBody {
  status: 'error';
  code: ProtocolErrorCode;
  message: string;
  errors?: FieldError[];
  /** The command that failed; `data` is left out when it would take more than 1 KiB. */
  cause?: { pattern: string; data?: unknown };
}

/** A command failed in a way the client should hear about; the socket stays open. */
export class ProtocolException extends WsException {
  constructor(code: ProtocolErrorCode, message: string, errors?: FieldError[]) {
    super({ status: 'error', code, message, ...(errors ? { errors } : {}) } satisfies ProtocolErrorBody);
  }

  get body(): ProtocolErrorBody {
    return this.getError() as ProtocolErrorBody;
  }
}
