import { BadRequestException } from '@nestjs/common';
import { DtoValidationPipe } from '../dto/dto-validation.pipe.js';
import { toFieldErrors } from '../gateway/field-errors.js';

/** Validates REST bodies and queries; unknown fields are refused with a 400 listing each bad field. */
export const httpValidationPipe = new DtoValidationPipe(
  'body',
  (errors) => new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: toFieldErrors(errors) }),
);
