import { DtoValidationPipe } from '../dto/dto-validation.pipe.js';
import { toFieldErrors } from './field-errors.js';
import { ProtocolException } from './protocol.exception.js';

/** Validates command data against its DTO; data that is not an object, or has unknown fields, is refused. */
export const wsValidationPipe = new DtoValidationPipe(
  'data',
  (errors) => new ProtocolException('VALIDATION_FAILED', 'invalid command data', toFieldErrors(errors)),
);
