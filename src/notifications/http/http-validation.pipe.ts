import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { toFieldErrors } from '../gateway/field-errors.js';

/** Validates REST bodies and queries; unknown fields are refused with a 400 listing each bad field. */
export const httpValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: false,
  transform: true,
  exceptionFactory: (errors) =>
    new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: toFieldErrors(errors) }),
});
