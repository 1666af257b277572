import { ApiBadRequestResponse, ApiServiceUnavailableResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { BadRequestResponseDto, ErrorResponseDto } from '../dto/error-response.dto.js';
import type { FieldError } from '../protocol/exceptions.js';
import { RETRY_AFTER_S } from './store-errors.filter.js';

/** The 401 of a route behind API_KEY, as ApiKeyGuard answers it. */
export const ApiKeyRefusedResponse = (): MethodDecorator & ClassDecorator =>
  ApiUnauthorizedResponse({
    description: 'Missing or wrong API key.',
    type: ErrorResponseDto,
    example: { statusCode: 401, error: 'Unauthorized', message: 'missing or wrong API key' },
  });

/** The 400 of the validation pipes: one `{field, messages}` per bad field, `example` one of them. */
export const ApiValidationFailedResponse = (description: string, example: FieldError): MethodDecorator & ClassDecorator =>
  ApiBadRequestResponse({
    description,
    type: BadRequestResponseDto,
    example: { statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: [example] },
  });

/** The 503 of StoreErrorsFilter, with its Retry-After; `description` says what to do then. */
export const ApiStoreUnavailableResponse = (description: string): MethodDecorator & ClassDecorator =>
  ApiServiceUnavailableResponse({
    description,
    type: ErrorResponseDto,
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', example: RETRY_AFTER_S } } },
    example: { statusCode: 503, error: 'Service Unavailable', message: 'store unavailable' },
  });
