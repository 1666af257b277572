import { registerDecorator, type ValidationOptions } from 'class-validator';
import { boundedJson } from '../json-bounds.js';

/** The value, serialized as JSON, takes at most `limit` bytes of UTF-8. */
export function MaxJsonBytes(limit: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'maxJsonBytes',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must serialize to at most ${limit} bytes`, ...options },
      validator: { validate: (value: unknown) => boundedJson(value, limit) !== undefined },
    });
}
