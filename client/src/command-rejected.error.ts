import type { ExceptionCode, ExceptionData } from './protocol-frames.js';

/** A command the server answered with an `exception` frame; rejects the command's promise. */
export class CommandRejectedError extends Error {
  readonly code: ExceptionCode;

  constructor(readonly exception: ExceptionData) {
    super(`${exception.code}: ${exception.message}`);
    this.name = 'CommandRejectedError';
    this.code = exception.code;
  }
}
