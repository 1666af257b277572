import type { ValidationError } from 'class-validator';
import { choiceFields } from '../dto/exactly-one-of.validator.js';
import type { FieldError } from '../protocol/exceptions.js';

/**
 * Flattens class-validator errors to one `{field, messages}` per bad field (nested as `a.b`);
 * an "exactly one of" or "at least one of" error is reported under each of the fields it is about.
 */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const fields = (error.constraints?.exactlyOneOf || error.constraints?.atLeastOneOf ? choiceFields(error.property) : null) ?? [error.property];
    const messages = error.constraints ? Object.values(error.constraints) : [];
    const own = messages.length > 0 ? fields.map((field) => ({ field: parent ? `${parent}.${field}` : field, messages })) : [];
    const path = parent ? `${parent}.${error.property}` : error.property;
    return [...own, ...toFieldErrors(error.children ?? [], path)];
  });
}
