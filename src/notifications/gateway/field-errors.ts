import type { ValidationError } from 'class-validator';
import type { FieldError } from './protocol.exception.js';

/** Flattens class-validator errors to one `{field, messages}` per bad field (nested as `a.b`). */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}
