import { getMetadataStorage } from 'class-validator';
import { choiceFields } from './exactly-one-of.validator.js';

type DtoClass = new () => object;

const declared = new WeakMap<DtoClass, ReadonlySet<string>>();

/**
 * The fields a DTO class declares: those carrying a validation rule. Anything else a client sends
 * is unknown, whatever its name: a Set answers `constructor` or `hasOwnProperty` with no for
 * these, where a lookup in a plain object would find the prototype's.
 */
export function declaredProperties(metatype: DtoClass): ReadonlySet<string> {
  let properties = declared.get(metatype);
  if (!properties) {
    const metadatas = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false);
    properties = new Set(metadatas.map((m) => m.propertyName).filter((name) => choiceFields(name) === null));
    declared.set(metatype, properties);
  }
  return properties;
}
