import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { jsonHazard, MAX_JSON_DEPTH } from '../json-bounds.js';
import { isJsonObject } from '../json-object.js';
import { declaredProperties } from './declared-properties.js';
import { validityCheck } from './validity.check.js';

// validityCheck answers for exactly these options: no groups, nothing skipped; unknown fields never reach it.
const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false } as const;
const NOT_DTOS = new Set<unknown>([String, Number, Boolean, Array, Object]);

/**
 * Validates a body, query or command against its class-validator DTO and hands the handler the
 * DTO instance. Fields the DTO does not declare are refused before anything reads the value, so
 * no name (`constructor`, `__proto__`) can reach class-validator's or class-transformer's lookups.
 * Synchronous, as every constraint of these DTOs is: a valid body passes on `validityCheck`
 * alone; class-validator runs for the others, and writes their errors.
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
    // One level for the value itself: a payload in it may nest MAX_JSON_DEPTH deep.
    const hazard = jsonHazard(value, MAX_JSON_DEPTH + 1);
    if (hazard === 'too-deep') throw this.refuse([invalid(this.valueName, `may nest at most ${MAX_JSON_DEPTH + 1} deep`)]);
    if (hazard === 'proto-key') throw this.refuse([invalid(this.valueName, 'may not contain a __proto__ key')]);
    const dtoClass = metatype as new () => object;
    const declared = declaredProperties(dtoClass);
    const unknown = Object.keys(value).filter((key) => !declared.has(key));
    const known = unknown.length === 0 ? value : Object.fromEntries(Object.entries(value).filter(([key]) => declared.has(key)));
    // Query values arrive as strings, which the query DTOs' @Type decorators convert; JSON bodies
    // and commands carry their types already, and `new` runs the field defaults as plainToInstance would.
    const dto = type === 'query' ? plainToInstance(dtoClass, known) : Object.assign(new dtoClass(), known);
    if (unknown.length === 0 && validityCheck(dtoClass)?.(dto as Record<string, unknown>)) return dto;
    const errors = [...unknown.map((key) => invalid(key, 'should not exist', `property ${key}`)), ...validateSync(dto, VALIDATION)];
    if (errors.length > 0) throw this.refuse(errors);
    return dto;
  }
}

// No prototype: `property` may be any name a client sent, `constructor` included.
const invalid = (property: string, message: string, subject = property): ValidationError =>
  Object.assign(Object.create(null) as ValidationError, { property, constraints: { [property]: `${subject} ${message}` }, children: [] });
