import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { type ValidationError, validateSync } from 'class-validator';
import { isJsonObject } from '../json-object.js';
import { toDtoInstance } from './dto-instance.factory.js';
import { validityCheck } from './validity.check.js';

// validityCheck answers for exactly these options: unknown fields refused, no groups, nothing skipped.
const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false } as const;
const NOT_DTOS = new Set<unknown>([String, Number, Boolean, Array, Object]);

/**
 * Validates a body, query or command against its class-validator DTO and hands the handler the
 * DTO instance; unknown fields are refused. Synchronous, as every constraint of these DTOs is:
 * Nest's ValidationPipe costs twice as much per request, most of it in promises. A valid body
 * passes on `validityCheck` alone; class-validator runs for the others, and writes their errors.
 */
export class DtoValidationPipe implements PipeTransform {
  constructor(
    /** Names the value in errors when it is not a JSON object at all (`body`, `data`). */
    private readonly valueName: string,
    private readonly refuse: (errors: ValidationError[]) => Error,
  ) {}

  transform(value: unknown, { metatype, type }: ArgumentMetadata): unknown {
    if (type === 'custom' || !metatype || NOT_DTOS.has(metatype)) return value;
    if (!isJsonObject(value)) throw this.refuse([invalid(this.valueName, 'must be a JSON object')]);
    // A "__proto__" key would swap the DTO's prototype and slip past validation.
    if (hasProtoKey(value)) throw this.refuse([invalid(this.valueName, 'may not contain a __proto__ key')]);
    const dtoClass = metatype as new () => object;
    const dto = toDtoInstance(dtoClass, value);
    if (validityCheck(dtoClass)?.(dto as Record<string, unknown>)) return dto;
    const errors = validateSync(dto, VALIDATION);
    if (errors.length > 0) throw this.refuse(errors);
    return dto;
  }
}

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
  return Object.values(value).some(hasProtoKey);
}

const invalid = (property: string, message: string): ValidationError =>
  Object.assign(Object.create(null), { property, constraints: { [property]: `${property} ${message}` }, children: [] });
