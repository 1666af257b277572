import { plainToInstance, TransformationType } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { getMetadataStorage } from 'class-validator';

type DtoClass = new () => object;

/** Per DTO class: whether any class-transformer decorator (`@Type`, `@Transform`, `@Expose`, `@Exclude`) shapes it. */
const transformed = new WeakMap<DtoClass, boolean>();

/**
 * The DTO instance for a parsed JSON object. class-transformer runs only for classes that carry
 * its decorators: for the others it would copy the object key by key to the same result, at
 * several times the cost of the copy below on every request.
 */
export function toDtoInstance(metatype: DtoClass, value: Record<string, unknown>): object {
  let needsTransformer = transformed.get(metatype);
  if (needsTransformer === undefined) {
    needsTransformer = hasTransformerMetadata(metatype);
    transformed.set(metatype, needsTransformer);
  }
  // `new` runs the field initializers (defaults such as `limit = 50`), as class-transformer does.
  return needsTransformer ? plainToInstance(metatype, value) : Object.assign(new metatype(), value);
}

/** Only validated properties count: the validation refuses every other field. */
function hasTransformerMetadata(metatype: DtoClass): boolean {
  const storage = defaultMetadataStorage;
  if (storage.getStrategy(metatype) !== 'none' || storage.getExposedMetadatas(metatype).length > 0) return true;
  if (storage.getExcludedMetadatas(metatype).length > 0) return true;
  const properties = new Set(getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false).map((m) => m.propertyName));
  return [...properties].some(
    (property) =>
      storage.findTypeMetadata(metatype, property) !== undefined ||
      storage.findTransformMetadatas(metatype, property, TransformationType.PLAIN_TO_CLASS).length > 0,
  );
}
