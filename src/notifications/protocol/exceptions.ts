/** The codes of `exception` frames (contract sections 4 and 10). */
export const EXCEPTION_CODES = [
  'BAD_JSON',
  'UNKNOWN_EVENT',
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'LIMIT_EXCEEDED',
  'INTERNAL',
] as const;

export type ExceptionCode = (typeof EXCEPTION_CODES)[number];

export interface FieldError {
  field: string;
  messages: string[];
}

/** The data of an `exception` frame: a frame or command failed; the socket stays open. */
export interface ExceptionData {
  status: 'error';
  code: ExceptionCode;
  message: string;
  /** With VALIDATION_FAILED: one entry per bad field. */
  errors?: FieldError[];
  /** The command that failed, whenever it could be read; `data` is left out when it would take more than 1 KiB. */
  cause?: { pattern: string; data?: unknown };
}
