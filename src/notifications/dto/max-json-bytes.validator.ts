import { registerDecorator, type ValidationOptions } from 'class-validator';
import { boundedJson, jsonHazard, MAX_JSON_DEPTH } from '../json-bounds.js';

/** The value, serialized as JSON, takes at most `limit` bytes of UTF-8 and nests at most MAX_JSON_DEPTH deep. */
export function MaxJsonBytes(limit: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'maxJsonBytes',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must serialize to at most ${limit} bytes, nested at most ${MAX_JSON_DEPTH} deep`, ...options },
      validator: { validate: (value: unknown) => jsonHazard(value) !== 'too-deep' && boundedJson(value, limit) !== undefined },
    });
}
