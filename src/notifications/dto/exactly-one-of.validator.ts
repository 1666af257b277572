import { registerDecorator, type ValidationArguments } from 'class-validator';

const SEPARATOR = '|';

/**
 * Class decorator: exactly one of `properties` must be present. class-validator needs a property
 * to hang a class-level rule on; the rule's is `ids|all`, which no client may send (see
 * declaredProperties) and whose errors name each of the fields (see choiceFields).
 */
export function ExactlyOneOf(properties: string[]): ClassDecorator {
  return (target) =>
    registerDecorator({
      name: 'exactlyOneOf',
      target,
      propertyName: properties.join(SEPARATOR),
      options: { message: `exactly one of ${properties.join(', ')} is required` },
      validator: {
        validate: (_: unknown, args: ValidationArguments) =>
          properties.filter((p) => (args.object as Record<string, unknown>)[p] !== undefined).length === 1,
      },
    });
}

/** The fields an ExactlyOneOf rule is about, when `property` names one; else null. */
export const choiceFields = (property: string): string[] | null => (property.includes(SEPARATOR) ? property.split(SEPARATOR) : null);
