import { registerDecorator, type ValidationArguments } from 'class-validator';

const SEPARATOR = '|';

/**
 * A class-level rule on how many of `properties` are present. class-validator needs a property
 * to hang it on; the rule's is `a|b`, which no client may send (see declaredProperties) and whose
 * errors name each of the fields (see choiceFields).
 */
function choiceRule(name: string, properties: string[], message: string, accepts: (present: number) => boolean): ClassDecorator {
  return (target) =>
    registerDecorator({
      name,
      target,
      propertyName: properties.join(SEPARATOR),
      options: { message },
      validator: {
        validate: (_: unknown, args: ValidationArguments) =>
          accepts(properties.filter((p) => (args.object as Record<string, unknown>)[p] !== undefined).length),
      },
    });
}

/** Class decorator: exactly one of `properties` must be present. */
export const ExactlyOneOf = (properties: string[]): ClassDecorator =>
  choiceRule('exactlyOneOf', properties, `exactly one of ${properties.join(', ')} is required`, (present) => present === 1);

/** Class decorator: at least one of `properties` must be present. */
export const AtLeastOneOf = (properties: string[]): ClassDecorator =>
  choiceRule('atLeastOneOf', properties, `at least one of ${properties.join(', ')} is required`, (present) => present >= 1);

/** The fields a choice rule is about, when `property` names one; else null. */
export const choiceFields = (property: string): string[] | null => (property.includes(SEPARATOR) ? property.split(SEPARATOR) : null);
