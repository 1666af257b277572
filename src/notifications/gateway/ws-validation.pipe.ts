import { type PipeTransform, ValidationPipe } from '@nestjs/common';
import { toFieldErrors } from './field-errors.js';
import { isObject } from './inbound-frame.js';
import { ProtocolException } from './protocol.exception.js';

/** Validates command data against its DTO; unknown fields are refused. */
export const wsValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: false,
  exceptionFactory: (errors) => new ProtocolException('VALIDATION_FAILED', 'invalid command data', toFieldErrors(errors)),
});

/** Refuses command data that is not a JSON object, before the DTO sees it. */
export const wsDataObjectPipe: PipeTransform = {
  transform: (value: unknown) => {
    if (!isObject(value)) {
      throw new ProtocolException('VALIDATION_FAILED', 'data must be an object', [{ field: 'data', messages: ['data must be an object'] }]);
    }
    return value;
  },
};
